"""`campus:proxmox:SelfService`: students start, stop and snapshot their own container in Proxmox.

Shared: the students' directory as a Proxmox realm, one sync of its users, one
custom role. Per student exactly one resource: the ACL giving `<login>@<realm>`
the role on `/vms/<vmid>` (and nothing else). Teachers get the role on their
groups' pools. Every name derives from a stable key (login, group), so a roster
edit adds or removes that student's ACL only; a group move changes nothing here
(the ACL is on the VMID, which never changes).
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_proxmoxve as proxmoxve

from config.integrations import LdapRealm


@dataclass(frozen=True)
class SelfServiceArgs:
    """Arguments of `SelfService`."""

    realm: LdapRealm
    """The directory, declared as an LDAP realm (`lab:selfService.realm`)."""
    bind_password: pulumi.Input[str] | None
    """Secret. Password of `realm.bind_dn`; None for an anonymous bind."""
    role_id: str
    """The custom role's id."""
    privileges: Sequence[str]
    """The role's privileges."""
    students: Mapping[str, int]
    """Login to the VMID of the student's container."""
    teachers: Mapping[str, Sequence[str]]
    """Pool id to the logins of the teachers given the role on it."""
    provider: proxmoxve.Provider
    """The stack's explicit Proxmox provider."""
    machines: Mapping[str, pulumi.Resource] | None = None
    """Login to the student's container: its ACL waits for it; default none."""
    pools_ready: Mapping[str, Sequence[pulumi.Resource]] | None = None
    """Pool id to resources that exist only once the pool does (its containers): the teachers' ACL on
    the pool waits for them; default none."""


def users_digest(users: Sequence[str]) -> str:
    """A digest of the realm users the ACLs need: a new one re-runs the realm sync."""
    return hashlib.sha256(json.dumps(sorted(set(users))).encode()).hexdigest()


class SelfService(pulumi.ComponentResource):
    """The realm, its sync, the role and the ACLs."""

    acls: dict[str, proxmoxve.Acl]
    """Login to the student's ACL."""
    role: proxmoxve.RoleLegacy
    realm: proxmoxve.realm.Ldap
    sync: proxmoxve.realm.Sync

    def __init__(self, name: str, args: SelfServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("campus:proxmox:SelfService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        r = args.realm
        # The provider has no `ad` realm type: an LDAP realm with sAMAccountName reads the same accounts.
        self.realm = proxmoxve.realm.Ldap(
            f"{name}-realm",
            realm=r.id,
            server1=r.server1,
            server2=r.server2,
            port=r.port,
            mode=r.mode,
            verify=r.verify,
            base_dn=r.base_dn,
            user_attr=r.user_attr,
            bind_dn=r.bind_dn,
            bind_password=pulumi.Output.secret(args.bind_password)
            if args.bind_password is not None
            else None,
            filter=r.filter,
            comment=r.comment,
            opts=child,
        )
        # Proxmox refuses an ACL for a user it does not know (pve-access-control, PVE/API2/ACL.pm,
        # update_acl: `user '<name>' does not exist`): the realm's
        # users are imported first. The sync resource syncs on create and update only, so the set of
        # users the ACLs need is its replacement trigger: a new student re-runs it, nothing else does.
        users = [*args.students, *(t for logins in args.teachers.values() for t in logins)]
        self.sync = proxmoxve.realm.Sync(
            f"{name}-sync",
            realm=self.realm.realm,
            scope="users",
            enable_new=True,
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.provider, replacement_trigger=users_digest(users)
            ),
        )
        self.role = proxmoxve.RoleLegacy(
            f"{name}-role", role_id=args.role_id, privileges=list(args.privileges), opts=child
        )
        self.acls = {}
        machines = args.machines or {}
        for login, vmid in sorted(args.students.items()):
            depends: list[pulumi.Resource] = [self.sync]
            if login in machines:
                depends.append(machines[login])
            self.acls[login] = proxmoxve.Acl(
                f"{name}-{login}",
                path=f"/vms/{vmid}",
                role_id=self.role.role_id,
                user_id=f"{login}@{r.id}",
                # Nothing lives below /vms/<vmid>: the grant is exactly this container.
                propagate=False,
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=depends),
            )
        ready = args.pools_ready or {}
        for pool, logins in sorted(args.teachers.items()):
            for login in sorted(set(logins)):
                proxmoxve.Acl(
                    f"{name}-teacher-{pool}-{login}",
                    path=f"/pool/{pool}",
                    role_id=self.role.role_id,
                    user_id=f"{login}@{r.id}",
                    propagate=True,
                    opts=pulumi.ResourceOptions(
                        parent=self, provider=args.provider, depends_on=[self.sync, *ready.get(pool, ())]
                    ),
                )
        self.register_outputs({"realm": self.realm.realm, "roleId": self.role.role_id})
