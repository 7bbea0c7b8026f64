"""Re-encrypt every stored API key with the newest encryption key (KEY_ENCRYPTION_KEYS'
first entry, or the one derived from SECRET_KEY), so older encryption keys can be dropped."""

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from playground.accounts import keys
from playground.accounts.models import StoredKey


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        done, unreadable = 0, []
        with transaction.atomic():
            for stored in StoredKey.objects.select_for_update().order_by("pk"):
                try:
                    stored.ciphertext = keys.reencrypt(stored.ciphertext)
                except InvalidToken:
                    unreadable.append(str(stored))
                    continue
                stored.save(update_fields=["ciphertext"])
                done += 1
        self.stdout.write(f"Re-encrypted {done} stored key(s) with the newest encryption key.")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} key(s) could not be decrypted with any listed encryption key "
                f"and were left as they are: {', '.join(unreadable)}. List the key they were "
                "saved with in KEY_ENCRYPTION_KEYS (or SECRET_KEY_FALLBACKS) and run this again."
            )
