"""CRM: enti, contacts, the service catalog, convenzioni, interactions, the 360° page."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.api import register_api
    from crm import (  # noqa: F401
        agreement_views,
        api,
        ipa,  # noqa: F401  (the import-ipa command and its daily job)
        jobs,
        models,
        panels,
        permissions,
        services,
        views,
    )
    from crm.cli import crm_cli

    app.register_blueprint(views.bp)  # with the convenzioni's pages (crm.agreement_views)
    for bp in api.blueprints():
        register_api(app, bp)
    app.cli.add_command(crm_cli)
    panels.register()
    # Templates of other modules (the ticket page) flag a service outside the ente's convenzione.
    app.jinja_env.globals["crm_coverage"] = services.coverage
    # Filter selects of other modules (the invoice list) list the enti without rebuilding them each time.
    from crm.options import organization_options

    app.jinja_env.globals["crm_organization_options"] = organization_options
    from app.directory import register_function, register_names

    register_names(app, "organization", services.organization_names)
    register_function(app, "contacts_by_fiscal_code", services.find_contacts_by_fiscal_code)
    register_function(app, "update_contact", services.update_contact)
