"""Support judges: does a cited passage support the sentence that cites it?

`base` holds the contract (`SupportJudge`, `Judgement`); `checks` the deterministic checks every judge
runs first; `overlap` a model-free judge; `llm` the local LLM's P(Yes), plain or calibrated (`calibration`).
"""
