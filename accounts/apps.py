from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from accounts.audit import audit_login_failed

        # Django sends this for every failed login; the audit log keeps who was tried, not the
        # password.
        user_login_failed.connect(audit_login_failed, dispatch_uid="torrentsmith-login-failed")
