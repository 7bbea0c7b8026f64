from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction


@transaction.atomic
def user_create(*, username: str, password: str) -> AbstractUser:
    """Create an account. The very first account becomes the administrator."""
    User = get_user_model()
    # Lock the table's first row (if any) so two simultaneous first sign-ups can't both
    # become administrator.
    is_first = not User.objects.select_for_update().exists()
    user = User(username=username, is_staff=is_first, is_superuser=is_first)
    user.set_password(password)
    user.save()
    return user
