"""Key derivation, record envelopes and signatures, thin over ``cryptography``."""
