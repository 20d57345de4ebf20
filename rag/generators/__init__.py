"""Generator implementations; see rag.generate for the contract."""
