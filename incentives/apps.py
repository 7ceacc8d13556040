from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = "Metrics and incentives"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, pre_delete

        from incentives.bonuses import immutability

        # Frozen periods and audit entries keep their rows when an account is deleted; the
        # triggers let the ORM clear that one user from them, and nothing else.
        User = get_user_model()
        pre_delete.connect(
            immutability.account_deletion_started, sender=User, dispatch_uid="account_deletion"
        )
        post_delete.connect(
            immutability.account_deletion_finished, sender=User, dispatch_uid="account_deletion"
        )
