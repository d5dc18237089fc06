"""The Writer port over any OpenAI-compatible chat-completions server (vLLM, Ollama, a vendor gateway).

Uses the official `openai` client, async, without its own retries: the core
decides what to do with a failure and tells the user. The API key is never logged.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import openai

from dialogs.ports import WriterError


class OpenAIWriter:
    """Chat completions from one model at one base URL."""

    def __init__(self, base_url: str, api_key: str, model: str, timeout: float = 20.0) -> None:
        self.model = model
        self.where = urlsplit(base_url).netloc  # said in /help: where the paragraphs go
        self.client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key or "none", timeout=timeout, max_retries=0)

    async def complete(self, messages: list[dict[str, str]]) -> str:
        """The first choice's text; WriterError with a kind the user can be told about."""
        try:
            reply = await self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                temperature=0.3,  # type: ignore[arg-type]
            )
        except openai.APITimeoutError as exc:
            raise WriterError("timeout", str(exc)) from None
        except openai.APIConnectionError as exc:
            raise WriterError("unreachable", str(exc)) from None
        except openai.RateLimitError as exc:
            raise WriterError("rate_limited", str(exc)) from None
        except openai.APIStatusError as exc:
            raise WriterError("server_error" if exc.status_code >= 500 else "refused", str(exc)) from None
        except (openai.OpenAIError, ValueError) as exc:  # a reply that is not a chat completion
            raise WriterError("bad_reply", str(exc)) from None
        try:
            return str(reply.choices[0].message.content or "")
        except (AttributeError, IndexError, TypeError):
            raise WriterError("bad_reply", "no choices") from None

    async def close(self) -> None:
        await self.client.close()
