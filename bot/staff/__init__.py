"""The staff portal: accounts, sessions, access control and the audit log.

Other parts of the portal protect their routes with ``bot.staff.auth.require_role``
and record every view of personal data with ``bot.staff.audit.record``.
"""
