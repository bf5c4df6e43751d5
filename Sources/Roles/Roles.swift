// Module Roles.
