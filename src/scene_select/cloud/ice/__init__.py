"""Talking to Alibaba Cloud ICE: V3 request signing, the typed client, callback authentication.

signing        ACS3-HMAC-SHA256 as pure functions, for clients and for servers that verify requests
auth           AcsV3Auth, the httpx.Auth that signs each request with fresh credentials
credentials    Credentials and providers that read the ALIBABA_CLOUD_* variables per request
rpc            how an ICE RPC call is laid out (query vs form body) before signing
retry          bounded exponential backoff with jitter
client         IceClient: submit / get / list with typed errors and safe retries
callback_auth  X-ICE-SIGNATURE verification of ICE's HTTP callbacks, with key rotation
"""
