from app.auth.models import Role
from app.auth.permissions import ALL_STAFF, EVERYONE, register

register(
    {
        "kb.read": EVERYONE,  # what each may read is decided in kb.services (visibility, status)
        "kb.write": (Role.ADMIN, Role.OPERATOR),
        "kb.staff": ALL_STAFF,  # every article, versions, deflection figures
        "kb.assist": (Role.ADMIN, Role.OPERATOR),  # triage suggestions, applying them, LLM drafts
    }
)
