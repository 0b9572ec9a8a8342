from app.auth.models import Role
from app.auth.permissions import EVERYONE, register

register(
    {
        "tickets.read": EVERYONE,  # a referente: own organization only
        "tickets.create": EVERYONE,
        "tickets.reply": EVERYONE,
        "tickets.work": (Role.ADMIN, Role.OPERATOR),  # assign, internal notes, status, time entries
        "tickets.portal": (Role.REFERENTE,),
        "tickets.admin": (Role.ADMIN,),  # SLA policies, calendar, canned responses
    }
)
