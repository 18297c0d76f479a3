"""Who the demo tenant is: its name, its operator and its fixed 'now'.

Apart from the tenant itself, so that the app can name the demo in its header and run its clock
without importing the tenant builder (the tenant is built by the demo's Graph process).
"""

from __future__ import annotations

from datetime import UTC, datetime

DEMO_NOW = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)
DEMO_PROFILE = "demo"  # the demo session's profile (its snapshots' folder)
DEMO_TENANT_ID = "7d3c1f0a-5b2e-4c8d-9e6f-2a4b8c0d1e3f"
DEMO_TENANT_NAME = "Contoso Demo"
DEMO_DOMAIN = "contoso-demo.onmicrosoft.com"
DEMO_OPERATOR_UPN = f"helpdesk@{DEMO_DOMAIN}"
DEMO_OPERATOR_NAME = "Helpdesk Operator"
