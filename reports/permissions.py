from app.auth.models import Role
from app.auth.permissions import EVERYONE, register

register(
    {
        # A referente reads only its own ente's figures (the organization filter is forced).
        "reports.read": EVERYONE,
        "reports.finance": (Role.ADMIN, Role.FINANCE),
        "reports.admin": (Role.ADMIN,),  # scheduled reports and threshold alerts
    }
)
