"""Stubs generated from protos/tokensim/v1 by clients/python/generate.sh (do not edit; regenerate)."""
