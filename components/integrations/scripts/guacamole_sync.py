#!/usr/bin/env python3
"""Sync one fleet's connections into Apache Guacamole through its REST API (Python 3 stdlib only).

Reads one JSON document on stdin:
    {"url": ".../guacamole", "dataSource": "mysql", "username": "guacadmin", "password": "...",
     "desired": {"root": "campus-prod", "groups": [...],
                 "connections": [{"name", "group", "protocol", "parameters", "users"}]}}
and makes Guacamole match it:
- the connection group `root` (under ROOT) and one child group per `groups` entry belong to the
  fleet; connections are looked for only inside them, so nothing else is ever touched;
- a missing connection is created, one whose protocol or managed parameters differ is updated
  in place (its identifier, history and sharing profiles stay), one no longer wanted is deleted;
- each wanted user gets READ on their connection (created without a password when missing and
  `createUsers`: they log in through the directory), and READ on a fleet connection is revoked
  from anyone not listed for it. The sync's own admin account is left alone.
Running it twice changes nothing the second time. It prints a JSON summary of what it did.

Endpoints (Guacamole 1.x): POST /api/tokens (form username/password, answers `authToken`);
/api/session/data/{source}/connectionGroups, /connections, /connections/{id}/parameters,
/users, /users/{name}/permissions (PATCH with JSON-Patch `add`/`remove` of
`/connectionPermissions/{id}` = `READ`). The token travels in the `Guacamole-Token` header.
"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

ROOT = "ROOT"


class ApiError(RuntimeError):
    """A request Guacamole refused."""


class Api:
    """Calls on one data source with one token."""

    def __init__(self, url: str, source: str, token: str) -> None:
        self.base = f"{url.rstrip('/')}/api/session/data/{urllib.parse.quote(source, safe='')}"
        self.token = token

    def call(self, method: str, path: str, body: Any = None, *, missing_ok: bool = False) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Guacamole-Token", self.token)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as exc:
            if missing_ok and exc.code == 404:
                return None
            detail = exc.read().decode(errors="replace")[:300]
            raise ApiError(f"{method} {path}: HTTP {exc.code} {detail}") from None
        return json.loads(text) if text.strip() else None


def login(url: str, username: str, password: str) -> str:
    """A session token for the admin account."""
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    request = urllib.request.Request(f"{url.rstrip('/')}/api/tokens", data=form, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.loads(response.read().decode())["authToken"])
    except urllib.error.HTTPError as exc:
        raise ApiError(f"login as {username}: HTTP {exc.code}") from None


def _group(api: Api, groups: dict[str, Any], parent: str, name: str, created: list[str]) -> str:
    for identifier, group in groups.items():
        if group.get("parentIdentifier") == parent and group.get("name") == name:
            return identifier
    body: dict[str, Any] = {
        "parentIdentifier": parent,
        "name": name,
        "type": "ORGANIZATIONAL",
        "attributes": {},
    }
    made = api.call("POST", "/connectionGroups", body)
    identifier = str(made["identifier"])
    groups[identifier] = {**body, "identifier": identifier}
    created.append(name)
    return identifier


def sync(api: Api, desired: dict[str, Any], *, admin: str, create_users: bool = True) -> dict[str, Any]:
    """Make the data source match `desired`; what was done, by connection key `group/name`."""
    summary: dict[str, Any] = {
        "created": [],
        "updated": [],
        "deleted": [],
        "unchanged": [],
        "groups": {"created": [], "deleted": []},
        "users": {"created": []},
        "permissions": {"granted": [], "revoked": []},
    }
    groups: dict[str, Any] = api.call("GET", "/connectionGroups") or {}
    root = _group(api, groups, ROOT, desired["root"], summary["groups"]["created"])
    children = {str(g["name"]): i for i, g in groups.items() if g.get("parentIdentifier") == root}
    for name in desired["groups"]:
        if name not in children:
            children[name] = _group(api, groups, root, name, summary["groups"]["created"])
    owned_parents = {root: "", **{i: n for n, i in children.items()}}

    connections: dict[str, Any] = api.call("GET", "/connections") or {}
    owned: dict[str, str] = {}  # key `group/name` -> identifier
    for identifier, connection in connections.items():
        parent = connection.get("parentIdentifier")
        if parent in owned_parents:
            owned[f"{owned_parents[parent]}/{connection['name']}"] = identifier

    wanted_users: dict[str, set[str]] = {}  # connection identifier -> users given READ
    for item in desired["connections"]:
        key = f"{item['group']}/{item['name']}"
        parameters = {k: str(v) for k, v in item["parameters"].items()}
        identifier = owned.pop(key, None)
        if identifier is None:
            # A student who changed group keeps their connection (and its history): it moves.
            moved = [k for k in owned if k.split("/", 1)[1] == item["name"]]
            identifier = owned.pop(moved[0]) if moved else None
        if identifier is None:
            body: dict[str, Any] = {
                "parentIdentifier": children[item["group"]],
                "name": item["name"],
                "protocol": item["protocol"],
                "parameters": parameters,
                "attributes": {},
            }
            identifier = str(api.call("POST", "/connections", body)["identifier"])
            summary["created"].append(key)
        else:
            current: dict[str, Any] = api.call("GET", f"/connections/{identifier}")
            current_parameters: dict[str, Any] = (
                api.call("GET", f"/connections/{identifier}/parameters") or {}
            )
            managed = {k: current_parameters.get(k) for k in parameters}
            parent = children[item["group"]]
            if (
                current.get("protocol") != item["protocol"]
                or managed != parameters
                or current.get("parentIdentifier") != parent
            ):
                body: dict[str, Any] = {
                    "identifier": identifier,
                    "parentIdentifier": parent,
                    "name": item["name"],
                    "protocol": item["protocol"],
                    # Parameters an operator added by hand (e.g. a colour depth) stay.
                    "parameters": {**current_parameters, **parameters},
                    "attributes": current.get("attributes") or {},
                }
                api.call("PUT", f"/connections/{identifier}", body)
                summary["updated"].append(key)
            else:
                summary["unchanged"].append(key)
        wanted_users[identifier] = set(item["users"])

    for key, identifier in sorted(owned.items()):
        api.call("DELETE", f"/connections/{identifier}")
        summary["deleted"].append(key)

    # A deleted connection takes its permissions with it: only the kept ones are checked.
    _permissions(api, wanted_users, admin, create_users, summary)

    for name, identifier in sorted(children.items()):
        if name not in desired["groups"]:
            api.call("DELETE", f"/connectionGroups/{identifier}")
            summary["groups"]["deleted"].append(name)
    return summary


def _permissions(
    api: Api,
    wanted: dict[str, set[str]],
    admin: str,
    create_users: bool,
    summary: dict[str, Any],
) -> None:
    users: dict[str, Any] = api.call("GET", "/users") or {}
    everyone = {u for names in wanted.values() for u in names}
    for username in sorted(everyone - set(users)):
        if not create_users:
            raise ApiError(f"user {username} does not exist in the data source and createUsers is false")
        api.call("POST", "/users", {"username": username, "attributes": {}})
        summary["users"]["created"].append(username)
        users[username] = {"username": username}
    for username in sorted(users):
        if username == admin:
            continue
        path = f"/users/{urllib.parse.quote(username, safe='')}/permissions"
        permissions: dict[str, Any] = api.call("GET", path) or {}
        held: dict[str, list[str]] = permissions.get("connectionPermissions") or {}
        patch: list[dict[str, str]] = []
        for identifier, names in sorted(wanted.items()):
            has = "READ" in (held.get(identifier) or [])
            if username in names and not has:
                patch.append({"op": "add", "path": f"/connectionPermissions/{identifier}", "value": "READ"})
                summary["permissions"]["granted"].append(f"{username}:{identifier}")
            elif username not in names and has:
                patch.append(
                    {"op": "remove", "path": f"/connectionPermissions/{identifier}", "value": "READ"}
                )
                summary["permissions"]["revoked"].append(f"{username}:{identifier}")
        if patch:
            api.call("PATCH", path, patch)


def main() -> int:
    """Read the request on stdin, sync, print the summary."""
    request = json.load(sys.stdin)
    try:
        token = login(request["url"], request["username"], request["password"])
        api = Api(request["url"], request["dataSource"], token)
        summary = sync(
            api,
            request["desired"],
            admin=request["username"],
            create_users=bool(request.get("createUsers", True)),
        )
    except (ApiError, urllib.error.URLError, OSError) as exc:
        print(f"guacamole sync failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
