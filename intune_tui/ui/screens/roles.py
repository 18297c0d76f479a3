"""Roles: Intune role definitions, assignments and resource operations.

Enter on a role opens its permissions in words and its assignments; on an assignment, the role it
assigns with that assignment marked; on an operation, the roles that allow it. A 403 shows the
seed's checklist for the missing scope, and `p` opens my access.
"""

from __future__ import annotations

from intune_tui.intune.rbac import assignment_role
from intune_tui.intune.resources import Row
from intune_tui.ui.screens.resource_list import ListView, ResourceListScreen


class RolesScreen(ResourceListScreen):
    AREA = "roles"
    VIEWS = (
        ListView("role_definitions", "Roles"),
        ListView("role_assignments", "Assignments"),
        ListView("resource_operations", "Operations"),
    )

    def open_row(self, row: Row) -> None:
        from intune_tui.ui.screens.role_detail import OperationScreen, RoleDetailScreen

        resource = self.view.resource
        if resource == "role_definitions":
            self.app.push_screen(RoleDetailScreen(row.item))
        elif resource == "role_assignments":
            self._open_assignment(row)
        elif resource == "resource_operations":
            self.app.push_screen(OperationScreen(row.item))

    def _open_assignment(self, row: Row) -> None:
        """The role an assignment assigns, on its Assignments tab with this one marked."""
        from intune_tui.ui.screens.role_detail import RoleDetailScreen

        assignment_id = row.key

        def opened(role: dict[str, object]) -> None:
            self.app.push_screen(RoleDetailScreen(role, start_tab="assignments",
                                                  assignment_id=assignment_id))

        self.intune_app.run_call("roles:assignment-role",
                                 lambda service: assignment_role(service.client, assignment_id),
                                 on_done=opened, on_error=self.intune_app.report_error)
