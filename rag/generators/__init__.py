"""Answer drafting: `base` holds the contract (`Generator`, `Draft`, `NOT_STATED`), `prompt` the prompt the LLM
generators share, `registry` the names; `local`, `extractive` and `openai` are the built-in generators."""
