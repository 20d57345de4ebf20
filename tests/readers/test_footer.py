"""Tests for rag.readers.footer: publisher boilerplate is dropped, prose that looks like it is kept."""

from __future__ import annotations

from rag.readers.jsonl import article_from_record
from rag.readers.plain import article_from_text


def test_footer_stripping_is_conservative() -> None:
    footer = (
        "Body paragraph one.\n\nFinal sentence of the story.\n\n"
        "Copyright 2026 Example News. All rights reserved.\n\nhttps://example.com/subscribe"
    )
    assert article_from_text(footer).body == "Body paragraph one.\n\nFinal sentence of the story."
    normal = "Body paragraph one.\n\nSubscribers said the service failed twice this week."
    assert article_from_text(normal).body == normal
    only_footer = "Subscribe to our newsletter"
    assert article_from_text(only_footer).body == only_footer


def test_prose_that_starts_like_a_footer_is_kept() -> None:
    for last in (
        "Copyright law was changed yesterday by parliament.",
        "Subscribers said the service failed twice this week.",
        "To contact the company, reporters called its office twice.",
        "Follow us, the guide said. We walked for an hour and then reached the camp.",
        "Voters were urged to visit https://vote.example.org to check their registration.",
        "The recall notice said buyers can contact the company at recall@example.com.",
    ):
        text = f"Story.\n\n{last}"
        assert article_from_text(text).body == text
        assert article_from_record({"text": text}).body == text


def test_clear_footers_are_dropped() -> None:
    for footer in (
        "© 2026 Example News",
        "Sign up for our newsletter.\n\nFollow us on Twitter.",
        "Subscribe to The Daily Example",
        "Contact Jane Doe at (302) 555-0100 or jdoe@example.com.",
        "Jane Doe can be reached at jdoe@example.com or @janedoe on X.",
        "AP NFL: https://apnews.com/hub/nfl and https://twitter.com/AP_Sports",
        "To contact the newsroom visit:\n\n**[example.org/contact](https://example.org/contact)**",
    ):
        assert article_from_text(f"Story one.\n\nStory two.\n\n{footer}").body == "Story one.\n\nStory two."
