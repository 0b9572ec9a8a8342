from app.auth.models import Role
from app.auth.permissions import register

register(
    {
        "contact_center.triage": (Role.ADMIN, Role.OPERATOR),
        "contact_center.calls": (Role.ADMIN, Role.OPERATOR),
        "contact_center.admin": (Role.ADMIN,),  # mailboxes, routing rules, phone menu
    }
)
