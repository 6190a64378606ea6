import json, sys
from openapi_spec_validator import OpenAPIV30SpecValidator
def test_dump(client, world, api_token):
    h = api_token("admin")
    r = client.get("/api/v1/_openapi", headers=h)
    spec = r.json
    json.dump(spec, open("/tmp/apia/spec.json","w"), indent=1)
    errs = list(OpenAPIV30SpecValidator(spec).iter_errors())
    for e in errs: print(e.message[:200], list(e.path)[:4])
    print(len(errs))
