"""The whole pipeline as two pure steps, shared by the worker, `newswire process` and tests.

`prepare` is stateless (parse, clean, detect language, tag, fingerprint and
MinHash signature) and turns any raw bytes into a `Prepared` candidate. `decide`
is the one stateful step: reading the dedupe index through a lookup function, it
returns the outcome (or None for a replay) and the index writes to apply once the
outcome is out. Neither raises on bad input.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from workers.config import Settings
from workers.errors import ConfigError
from workers.pipeline.boilerplate import Learner, LearnOptions, Load, Sighting, load_nothing
from workers.pipeline.clean import (
    LINE_MODEL,
    AllowList,
    Cleaned,
    CleanOptions,
    clean_body,
    lift_dateline,
)
from workers.pipeline.dedupe import Candidate, DedupeOptions, Deduper, Lookup, Writes
from workers.pipeline.entities import EntityTagger, TagOptions, group_entities
from workers.pipeline.language import detect_language, identifier
from workers.pipeline.neardup import NearOptions, Signature
from workers.pipeline.parse import ParseOptions, parse_raw
from workers.pipeline.timebound import StoryTimeout, time_bound
from workers.records import (
    DeadLetter,
    DuplicateNotice,
    Enriched,
    Entity,
    EntityGroup,
    Origin,
    Outcome,
    Prepared,
    RawStory,
    Rejection,
    Removed,
    dead_letter,
    utc_iso,
)

StageObserver = Callable[[str, float], None]


@dataclass(frozen=True)
class PipelineOptions:
    parse: ParseOptions = field(default_factory=ParseOptions)
    clean: CleanOptions = field(default_factory=CleanOptions)
    tag: TagOptions = field(default_factory=TagOptions)
    dedupe: DedupeOptions = field(default_factory=DedupeOptions)
    learn: LearnOptions = field(default_factory=LearnOptions)
    story_timeout_seconds: float = 5.0  # bound on one story's stateless stages (0: none)

    @classmethod
    def from_settings(cls, settings: Settings) -> PipelineOptions:
        allow = AllowList()
        if settings.allow_list is not None:
            try:
                allow = AllowList.parse(settings.allow_list.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                path = str(settings.allow_list)
                raise ConfigError("NEWSWIRE_ALLOW_LIST", path, str(exc)) from None
        return cls(
            parse=ParseOptions(max_bytes=settings.max_body_bytes),
            clean=CleanOptions(allow=allow, line_model=settings.line_model == "on"),
            learn=LearnOptions(min_stories=settings.learn_min_stories),
            dedupe=DedupeOptions(
                retention_seconds=settings.dedupe_retention_hours * 3600.0,
                max_entries=settings.dedupe_max_entries,
                near=NearOptions(
                    min_similarity=settings.dedupe_min_similarity,
                    max_novelty=settings.dedupe_max_novelty,
                ),
            ),
            story_timeout_seconds=settings.story_timeout_seconds,
        )


@dataclass(frozen=True)
class Decision:
    outcome: Outcome | None  # None: a replay of a message already decided
    writes: Writes  # index updates, to apply once the outcome is acknowledged
    sighting: Sighting | None = None  # a new story's lines, for `Pipeline.learn`


def _ignore(stage: str, seconds: float) -> None:
    return None


class Pipeline:
    """parse -> clean -> language -> entities -> fingerprint and signature, then dedupe."""

    def __init__(
        self,
        opts: PipelineOptions,
        entities: EntityTagger | None = None,
        observe: StageObserver = _ignore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.opts = opts
        self.entities = entities or EntityTagger.load()
        identifier()  # language detection's model, loaded now rather than mid-stream
        self.deduper = Deduper(opts.dedupe)
        self.learner = Learner(opts.learn)
        self._observe = observe
        self._clock = clock

    def prepare(self, data: bytes, key: bytes | None, origin: Origin) -> Prepared:
        """Run the stateless stages; any refusal (or bug) becomes a dead-letter candidate."""
        started = time.perf_counter()
        try:
            with time_bound(self.opts.story_timeout_seconds):
                result = self._prepare(data, origin, started)
        except StoryTimeout:
            bound = self.opts.story_timeout_seconds
            result = Rejection("timeout", f"processing ran past the bound of {bound:g} s")
        except Exception as exc:  # a bug in a stage must not stop the stream
            result = Rejection("internal_error", f"{type(exc).__name__}: {exc}"[:500])
        if isinstance(result, tuple):
            event, cand = result
            sig = cand.signature
            return Prepared(
                cand.fingerprint,
                origin.ref,
                origin.timestamp,
                event,
                sig.to_text() if sig is not None else None,
                sig.size if sig is not None else 0,
            )
        return self.reject(data, key, origin, result)

    def reject(self, data: bytes, key: bytes | None, origin: Origin, why: Rejection) -> Prepared:
        """A dead-letter candidate for raw bytes that cannot become a story."""
        letter = dead_letter(data, key, origin, why, now=self._clock())
        return Prepared(f"dl:{origin.ref}", origin.ref, origin.timestamp, letter)

    def _prepare(
        self, data: bytes, origin: Origin, started: float
    ) -> tuple[Enriched, Candidate] | Rejection:
        t = started
        story = parse_raw(data, self.opts.parse)
        t = self._lap("parse", t)
        if isinstance(story, Rejection):
            return story
        cleaned = clean_body(story.body, story.content_type, self.opts.clean, story.source)
        t = self._lap("clean", t)
        if not cleaned.body:
            return Rejection(
                "no_content",
                f"nothing left after cleaning ({len(cleaned.removed)} pieces removed)",
                story.id,
            )
        language = story.language or detect_language(cleaned.body)
        t = self._lap("language", t)
        entities = self.entities.tag(cleaned.body, language, self.opts.tag)
        headline = story.headline or ""
        groups = group_entities(entities, headline, self.entities.linked_ids(headline))
        t = self._lap("entities", t)
        cand = self.deduper.candidate(cleaned.body)
        t = self._lap("signature", t)
        event = _enriched(
            story, language, entities, groups, cleaned, cand.fingerprint, origin, t - started
        )
        return event, cand

    def decide(self, prepared: Prepared, lookup: Lookup, load: Load = load_nothing) -> Decision:
        """The outcome for a prepared candidate, given the index, and the index writes.

        A new story's learned boilerplate is cut here (`load` reads stored counts); its
        lines are counted by `learn`, once its story is known.
        """
        started = time.perf_counter()
        now = self._clock()
        event = prepared.event
        if isinstance(event, DeadLetter):
            verdict = self.deduper.decide_rejected(lookup, prepared.origin_ref, now)
        else:
            sig = (
                Signature.from_text(prepared.signature, prepared.shingles)
                if prepared.signature is not None
                else None
            )
            cand = Candidate(event.fingerprint, sig)
            verdict = self.deduper.decide(lookup, event.id, prepared.origin_ref, cand, now)
        decided = self._lap("dedupe", started)
        outcome: Outcome | None
        sighting = None
        if verdict.status == "replay":
            outcome = None
        elif isinstance(event, DeadLetter):
            outcome = replace(event, emitted_at=utc_iso(now))
        elif verdict.status == "new":
            learned, sighting = self.cut_learned(event, load)
            self._lap("learn", decided)
            outcome = replace(
                learned,
                cluster_id=verdict.cluster_id,
                emitted_at=utc_iso(now),
                processing_seconds=event.processing_seconds + time.perf_counter() - started,
            )
        else:
            outcome = DuplicateNotice(
                id=event.id,
                duplicate_of=verdict.canonical_id,
                cluster_id=verdict.cluster_id,
                match=verdict.match,
                similarity=verdict.similarity,
                received_at=event.received_at,
                emitted_at=utc_iso(now),
                source=event.source,
                headline=event.headline,
            )
        return Decision(outcome=outcome, writes=verdict.writes, sighting=sighting)

    def learn(self, decision: Decision, load: Load = load_nothing) -> None:
        """Count a new story's lines toward learned boilerplate, as evidence of its event:
        its `story_id` (set by the story stage), else the story alone."""
        outcome = decision.outcome
        if decision.sighting is not None and isinstance(outcome, Enriched):
            self.learner.count(decision.sighting, outcome.story_id or outcome.id, load)

    def cut_learned(self, event: Enriched, load: Load) -> tuple[Enriched, Sighting | None]:
        """The story without learned boilerplate (entity offsets follow), and its
        sighting for `learn`.

        A dateline that learned lines kept from being first is lifted now, as
        cleaning would have (its words' entities go with it).
        """
        allow = self.opts.clean.allow.keys(event.source)
        modelled = tuple(r.text for r in event.removed if r.reason == LINE_MODEL)
        stripped, sighting = self.learner.observe(event.source, event.body, load, allow, modelled)
        if stripped is None:
            return event, sighting
        body, lifted, dateline, credit = stripped.body, 0, event.dateline, event.credit
        if dateline is None and stripped.old_starts[0] > 0:  # a new first line
            lifted, dateline, wire = lift_dateline(body.partition("\n")[0])
            body, credit = body[lifted:], credit or wire
        entities = [
            replace(entity, start=span[0] - lifted, end=span[1] - lifted)
            for entity in event.entities
            if (span := stripped.offset(entity.start, entity.end)) is not None and span[0] >= lifted
        ]
        headline = event.headline or ""
        groups = group_entities(entities, headline, self.entities.linked_ids(headline))
        cut = replace(
            event,
            body=body,
            entities=entities,
            entity_groups=groups,
            removed=event.removed + [Removed(text=line, reason="learned") for line in stripped.cut],
            dateline=dateline,
            credit=credit,
        )
        return cut, sighting

    def _lap(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self._observe(stage, now - since)
        return now


def _enriched(
    story: RawStory,
    language: str,
    entities: list[Entity],
    groups: list[EntityGroup],
    cleaned: Cleaned,
    fp: str,
    origin: Origin,
    seconds: float,
) -> Enriched:
    return Enriched(
        id=story.id,
        body=cleaned.body,
        language=language,
        removed=cleaned.removed,
        cluster_id="",
        entities=entities,
        entity_groups=groups,
        fingerprint=fp,
        received_at=utc_iso(origin.timestamp),
        emitted_at="",
        processing_seconds=seconds,
        source=story.source,
        headline=story.headline,
        url=story.url,
        published_at=story.published_at,
        content_type=story.content_type,
        dateline=cleaned.dateline,
        credit=cleaned.credit,
    )
