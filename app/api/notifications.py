"""`/api/v1/notification/`: the caller's own notifications (unread first) and marking them read."""

from __future__ import annotations

import datetime as dt

from flask import g
from flask_appbuilder.api import BaseApi
from marshmallow import Schema, fields, validate

from app.api.errors import ApiContract, ApiError, endpoint, load_args
from app.api.schemas import Strict
from app.services import notifications as service


class NotificationArgs(Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class NotificationItem(Schema):
    id = fields.Integer()
    kind = fields.String()
    message = fields.String()
    link = fields.String()
    target_type = fields.String()
    target_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    read = fields.Boolean()


class NotificationList(Schema):
    count = fields.Integer()
    unread = fields.Integer()
    result = fields.List(fields.Nested(NotificationItem))


class NotificationsRead(Schema):
    read = fields.Integer()


def _item(notification) -> dict:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "message": service.message(notification),
        "link": service.link(notification),
        "target_type": notification.target_type,
        "target_id": notification.target_id,
        "created_at": notification.created_at.replace(tzinfo=dt.UTC).isoformat(),
        "read": notification.read_at is not None,
    }


class NotificationApi(ApiContract, BaseApi):
    """The caller's notifications; another user's are never found (404)."""

    resource_name = "notification"
    openapi_spec_tag = "Notifications"
    openapi_spec_component_schemas = (
        *ApiContract.openapi_spec_component_schemas,
        NotificationList,
        NotificationsRead,
    )

    @endpoint("/", "GET", "get")
    def list(self):
        """The caller's notifications, unread first, newest first.
        ---
        get:
          summary: The caller's notifications, unread first
          parameters:
          - {in: query, name: page, schema: {type: integer, minimum: 1, maximum: 100000}}
          - {in: query, name: page_size, schema: {type: integer, minimum: 1, maximum: 200}}
          responses:
            200:
              description: The notifications and the unread count
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/NotificationList'}
        """
        args = load_args(NotificationArgs())
        size = args["page_size"]
        items = service.inbox(g.user.id, size, (args["page"] - 1) * size)
        return self.response(
            200,
            count=service.count(g.user.id),
            unread=service.unread_count(g.user.id),
            result=[_item(item) for item in items],
        )

    @endpoint("/<int:pk>/read", "POST", "post")
    def read(self, pk):
        """Mark one of the caller's notifications read.
        ---
        post:
          summary: Mark one notification read
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The notification, read
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/NotificationItem'}
        """
        notification = service.own(g.user.id, pk)
        if notification is None:
            raise ApiError(404)
        service.mark_read(notification)
        return self.response(200, **_item(notification))

    @endpoint("/read-all", "POST", "post")
    def read_all(self):
        """Mark every notification of the caller read.
        ---
        post:
          summary: Mark all the caller's notifications read
          responses:
            200:
              description: How many were marked read
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/NotificationsRead'}
        """
        return self.response(200, read=service.mark_all_read(g.user.id))
