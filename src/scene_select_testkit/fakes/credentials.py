"""The STS-shaped key the object-store tests grant on the fake OSS and sign with."""

from __future__ import annotations

from scene_select.cloud.credentials import Credentials

ACCESS_KEY = Credentials("STS.test-key", "test-secret", "test-token")
