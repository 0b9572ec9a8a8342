from app.auth.models import Role
from app.auth.permissions import EVERYONE, register

register(
    {
        "billing.read": EVERYONE,  # a referente: own organization's invoices and notices only
        "billing.write": (Role.ADMIN, Role.FINANCE),
        "billing.dashboard": (Role.ADMIN, Role.FINANCE),
    }
)
