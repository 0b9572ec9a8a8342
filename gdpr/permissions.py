from app.auth.models import Role
from app.auth.permissions import ALL_STAFF, register

register({"gdpr.admin": (Role.ADMIN,), "gdpr.consents": ALL_STAFF})
