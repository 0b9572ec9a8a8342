from app.auth.models import Role
from app.auth.permissions import register

register(
    {
        "phone.console": (Role.ADMIN, Role.OPERATOR),  # call console, call log, callbacks, SMS
        "phone.call": (Role.ADMIN, Role.OPERATOR),  # click-to-call, send SMS
        "phone.admin": (Role.ADMIN,),  # voice menu
    }
)
