from app.auth.models import Role
from app.auth.permissions import ALL_STAFF, EVERYONE, register

register(
    {
        "indicators.read": EVERYONE,  # a referente reads only its own ente's values (indicators.services)
        "indicators.write": (Role.ADMIN,),  # the catalog, surveys
        "indicators.values": (Role.ADMIN, Role.OPERATOR, Role.REFERENTE),  # referente: its own ente
        "indicators.staff": ALL_STAFF,  # province summaries, every ente
    }
)
