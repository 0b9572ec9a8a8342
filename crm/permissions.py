from app.auth.models import Role
from app.auth.permissions import ALL_STAFF, EVERYONE, register

register(
    {
        "crm.read": EVERYONE,  # a referente reads only its own organization (org_scope)
        "crm.write": (Role.ADMIN, Role.OPERATOR, Role.FINANCE),
        "crm.agreements.write": (Role.ADMIN, Role.FINANCE),
        "crm.services.write": (Role.ADMIN,),
        "crm.staff_read": ALL_STAFF,
    }
)
