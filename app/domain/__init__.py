"""Pure domain rules: NIP, ranks (golongan/pangkat) and ratings. No Flask app, no database."""
