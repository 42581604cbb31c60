"""An in-memory Apache Guacamole REST API on 127.0.0.1, written from Guacamole's documented API.

Sources read (Guacamole 1.x):
- apache/guacamole-client, guacamole/src/main/java/org/apache/guacamole/rest/auth/TokenRESTService.java:
  `POST /api/tokens` takes form fields `username`, `password` and answers `authToken`,
  `username`, `dataSource`, `availableDataSources`;
- .../rest/TokenParamProvider.java and auth/AuthenticationService.java (getAuthenticationToken): the
  token travels in the `Guacamole-Token` header, else in the `token` query parameter;
- .../rest/directory/DirectoryResource.java (getObjects): `GET /api/session/data/{source}/{connections|
  connectionGroups|users}` answers a map identifier -> object; `POST` creates and answers the object
  with its new identifier; `.../{id}` answers one object (`GET`), replaces it (`PUT`), deletes it (`DELETE`);
- .../rest/connection/APIConnection.java and ConnectionResource.java: a connection is `identifier`,
  `parentIdentifier`, `name`, `protocol`, `attributes` (its listing carries no parameters);
  `GET .../connections/{id}/parameters` answers its parameters;
- .../rest/connectiongroup/APIConnectionGroup.java: `identifier`, `parentIdentifier`, `name`, `type`
  (`ORGANIZATIONAL`/`BALANCING`); the root group's identifier is `ROOT`;
- .../rest/permission/PermissionSetResource.java: `GET .../users/{name}/permissions` answers
  `connectionPermissions: {id: ["READ", ...]}` (and the other kinds); `PATCH` takes a JSON Patch list
  of `{"op": "add"|"remove", "path": "/connectionPermissions/{id}", "value": "READ"}`;
- the API walkthrough at https://docs.netcubed.io/products/guacamole/api (token, create user,
  connection tree, permissions PATCH) and the unofficial reference
  https://github.com/ridvanaltun/guacamole-rest-api-documentation (status codes 200/204/400/403/404).
Deleting a connection removes the permissions on it, as the JDBC extension's foreign keys do.
"""

import json
import threading
import urllib.parse
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class GuacamoleState:
    """The data source's content, inspectable by tests."""

    source: str = "mysql"
    admin: tuple[str, str] = ("guacadmin", "s3cret-admin")
    groups: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    connections: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    parameters: dict[str, dict[str, str]] = field(default_factory=dict[str, dict[str, str]])
    users: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    permissions: dict[str, dict[str, list[str]]] = field(default_factory=dict[str, dict[str, list[str]]])
    """User name -> connection identifier -> permission types."""
    tokens: set[str] = field(default_factory=set[str])
    requests: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])
    """Every request's method and path, in order."""
    next_id: int = 1

    def new_id(self) -> str:
        identifier = str(self.next_id)
        self.next_id += 1
        return identifier

    def connection(self, group_path: str, name: str) -> dict[str, Any] | None:
        """The connection `name` in the group reached by names from ROOT (`a/b`)."""
        parent = "ROOT"
        for part in [p for p in group_path.split("/") if p]:
            found = [
                i for i, g in self.groups.items() if g["parentIdentifier"] == parent and g["name"] == part
            ]
            if not found:
                return None
            parent = found[0]
        for connection in self.connections.values():
            if connection["parentIdentifier"] == parent and connection["name"] == name:
                return {**connection, "parameters": self.parameters[connection["identifier"]]}
        return None

    def readers(self, identifier: str) -> set[str]:
        """Users holding READ on a connection."""
        return {u for u, held in self.permissions.items() if "READ" in held.get(identifier, [])}


class _Handler(BaseHTTPRequestHandler):
    state: GuacamoleState

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet: the tests read the state, not the access log.
        return

    def _send(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _route(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        self.state.requests.append((method, url.path))
        if url.path == "/guacamole/api/tokens" and method == "POST":
            form = urllib.parse.parse_qs(self._body().decode())
            user, password = form.get("username", [""])[0], form.get("password", [""])[0]
            if (user, password) != self.state.admin:
                return self._send(403, {"message": "Invalid login.", "type": "INVALID_CREDENTIALS"})
            token = f"token-{len(self.state.tokens) + 1}"
            self.state.tokens.add(token)
            return self._send(
                200,
                {
                    "authToken": token,
                    "username": user,
                    "dataSource": self.state.source,
                    "availableDataSources": [self.state.source],
                },
            )
        token = self.headers.get("Guacamole-Token") or urllib.parse.parse_qs(url.query).get("token", [""])[0]
        if token not in self.state.tokens:
            return self._send(403, {"message": "Permission Denied.", "type": "PERMISSION_DENIED"})
        prefix = f"/guacamole/api/session/data/{self.state.source}/"
        if not url.path.startswith(prefix):
            return self._send(404, {"message": "Not found.", "type": "NOT_FOUND"})
        parts = [urllib.parse.unquote(p) for p in url.path[len(prefix) :].split("/")]
        body = self._body()
        payload = json.loads(body) if body else None
        handler = {
            "connectionGroups": self._groups,
            "connections": self._connections,
            "users": self._users,
        }.get(parts[0])
        if handler is None:
            return self._send(404, {"message": "Not found.", "type": "NOT_FOUND"})
        return handler(method, parts[1:], payload)

    def _groups(self, method: str, rest: list[str], payload: Any) -> None:
        s = self.state
        if not rest and method == "GET":
            return self._send(200, s.groups)
        if not rest and method == "POST":
            if payload.get("type") not in ("ORGANIZATIONAL", "BALANCING"):
                return self._send(400, {"message": "Invalid group type.", "type": "BAD_REQUEST"})
            identifier = s.new_id()
            s.groups[identifier] = {
                "identifier": identifier,
                "parentIdentifier": payload["parentIdentifier"],
                "name": payload["name"],
                "type": payload["type"],
                "attributes": payload.get("attributes") or {},
            }
            return self._send(200, s.groups[identifier])
        if len(rest) == 1 and rest[0] in s.groups and method == "DELETE":
            if any(c["parentIdentifier"] == rest[0] for c in s.connections.values()):
                # The real directory deletes descendants too; the sync must never rely on it.
                return self._send(400, {"message": "Group not empty.", "type": "BAD_REQUEST"})
            del s.groups[rest[0]]
            return self._send(204)
        return self._send(404, {"message": "Not found.", "type": "NOT_FOUND"})

    def _connections(self, method: str, rest: list[str], payload: Any) -> None:  # noqa: PLR0911 (one per route)
        s = self.state
        if not rest and method == "GET":
            return self._send(200, s.connections)
        if not rest and method == "POST":
            parent = payload["parentIdentifier"]
            if parent != "ROOT" and parent not in s.groups:
                return self._send(400, {"message": "No such group.", "type": "BAD_REQUEST"})
            identifier = s.new_id()
            s.connections[identifier] = {
                "identifier": identifier,
                "parentIdentifier": parent,
                "name": payload["name"],
                "protocol": payload["protocol"],
                "attributes": payload.get("attributes") or {},
                "activeConnections": 0,
            }
            s.parameters[identifier] = dict(payload.get("parameters") or {})
            return self._send(200, {**s.connections[identifier], "parameters": s.parameters[identifier]})
        if not rest or rest[0] not in s.connections:
            return self._send(404, {"message": "No such connection.", "type": "NOT_FOUND"})
        identifier = rest[0]
        if rest[1:] == ["parameters"] and method == "GET":
            return self._send(200, s.parameters[identifier])
        if rest[1:]:
            return self._send(404, {"message": "Not found.", "type": "NOT_FOUND"})
        if method == "GET":
            return self._send(200, s.connections[identifier])
        if method == "PUT":
            s.connections[identifier].update(
                {
                    "parentIdentifier": payload["parentIdentifier"],
                    "name": payload["name"],
                    "protocol": payload["protocol"],
                    "attributes": payload.get("attributes") or {},
                }
            )
            s.parameters[identifier] = dict(payload.get("parameters") or {})
            return self._send(204)
        if method == "DELETE":
            del s.connections[identifier], s.parameters[identifier]
            for held in s.permissions.values():
                held.pop(identifier, None)
            return self._send(204)
        return self._send(405, {"message": "Method not allowed.", "type": "BAD_REQUEST"})

    def _users(self, method: str, rest: list[str], payload: Any) -> None:  # noqa: PLR0911 (one per route)
        s = self.state
        if not rest and method == "GET":
            return self._send(200, s.users)
        if not rest and method == "POST":
            name = payload["username"]
            if name in s.users:
                return self._send(400, {"message": "User already exists.", "type": "BAD_REQUEST"})
            s.users[name] = {"username": name, "attributes": payload.get("attributes") or {}}
            s.permissions[name] = {}
            return self._send(200, s.users[name])
        if not rest or rest[0] not in s.users:
            return self._send(404, {"message": "No such user.", "type": "NOT_FOUND"})
        name = rest[0]
        if rest[1:] == ["permissions"] and method == "GET":
            held = s.permissions.setdefault(name, {})
            return self._send(
                200,
                {
                    "connectionPermissions": {k: sorted(v) for k, v in held.items() if v},
                    "connectionGroupPermissions": {},
                    "sharingProfilePermissions": {},
                    "activeConnectionPermissions": {},
                    "userPermissions": {},
                    "userGroupPermissions": {},
                    "systemPermissions": [],
                },
            )
        if rest[1:] == ["permissions"] and method == "PATCH":
            for op in payload:
                path = str(op["path"])
                if not path.startswith("/connectionPermissions/") or op["op"] not in ("add", "remove"):
                    return self._send(
                        400, {"message": f"Unsupported patch path: {path}", "type": "BAD_REQUEST"}
                    )
                identifier = path.removeprefix("/connectionPermissions/")
                held = s.permissions.setdefault(name, {}).setdefault(identifier, [])
                if op["op"] == "add" and op["value"] not in held:
                    held.append(op["value"])
                elif op["op"] == "remove" and op["value"] in held:
                    held.remove(op["value"])
            return self._send(204)
        if not rest[1:] and method == "GET":
            return self._send(200, s.users[name])
        return self._send(404, {"message": "Not found.", "type": "NOT_FOUND"})

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_PATCH(self) -> None:
        self._route("PATCH")

    def do_DELETE(self) -> None:
        self._route("DELETE")


@contextmanager
def guacamole_server(state: GuacamoleState) -> Generator[str]:
    """Serve `state` on a free loopback port; yields the base URL (`http://127.0.0.1:N/guacamole`)."""
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/guacamole"
    finally:
        server.shutdown()
        server.server_close()
