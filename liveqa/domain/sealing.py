"""Short secrets at rest: sealed with Fernet under a list of keys of their own purpose."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class Sealer:
    """Encrypt short texts under KEYS: the first key seals, every key opens (for rotation)."""

    def __init__(self, keys):
        self._fernet = MultiFernet(
            [Fernet(key if isinstance(key, bytes) else key.encode("ascii")) for key in keys]
        )

    def seal(self, text: str) -> str:
        """Return TEXT encrypted under the first key."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, token: str) -> str | None:
        """Return the text sealed in TOKEN, or None if no key opens it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):  # UnicodeError is a ValueError
            return None

    def reseal(self, token: str) -> str:
        """Return TOKEN sealed again under the first key (raises if no key opens it)."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")
