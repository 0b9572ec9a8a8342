from app.auth.models import Role
from app.auth.permissions import register

register({"integrations.webhooks": (Role.ADMIN,)})
