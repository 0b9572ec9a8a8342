from app.auth.models import Role
from app.auth.permissions import EVERYONE, register

register(
    {
        "tickets.sla.admin": (Role.ADMIN,),  # business calendars and SLA policies
        "tickets.sla.report": (Role.ADMIN, Role.OPERATOR, Role.FINANCE),  # compliance and time reports
        "tickets.time.log": (Role.ADMIN, Role.OPERATOR),  # log time on a ticket
        "tickets.time.read": EVERYONE,  # a referente: its own organization's tickets only
    }
)
