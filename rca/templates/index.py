"""The miner's store of templates: live clusters indexed by length, skeleton and text, new
ids, and re-templating with aliases (an old id resolves to the template that replaced it).
"""

from __future__ import annotations

from rca.templates.cluster import Cluster, template_id
from rca.templates.tokens import collapse, collapse_list, skeleton, strip_decor


class TemplateIndex:
    """Create, index and re-template clusters (a mixin of
    :class:`~rca.templates.miner.TemplateMiner`)."""

    @property
    def templates(self) -> dict[str, str]:
        """Current templates: id -> template text."""
        return {cid: c.template for cid, c in self._clusters.items()}

    @property
    def sizes(self) -> dict[str, int]:
        """Number of messages added to each current template."""
        return {cid: c.size for cid, c in self._clusters.items()}

    def resolve(self, template_id: str) -> str:
        """The current id of a template id handed out earlier (itself if still current)."""
        seen = 0
        while template_id in self._aliases and seen < 1000:
            template_id = self._aliases[template_id]
            seen += 1
        return template_id

    def _new(self, tokens: list[str]) -> Cluster:
        template = "".join(tokens)
        c = Cluster(tokens, self._free_id(template))
        self._index(c)
        if self.list_min:  # found again by a message with another number of list items
            short = collapse_list(tokens, self.list_min)
            if short != tokens:
                self._by_list.setdefault("".join(short), c)
        if self.skeleton_merge:  # found again by the same message without its decoration
            plain = strip_decor(tokens)
            if plain != tokens:
                self._by_decor.setdefault("".join(plain), c)
        return c

    def _free_id(self, template: str) -> str:
        cid, k = template_id(template), 0
        while cid in self._clusters or cid in self._aliases:  # a hash collision, or the id
            # of a template that was replaced (its text seen again: it still resolves onward)
            k += 1
            cid = template_id(f"{template}#{k}")
        return cid

    def _index(self, c: Cluster) -> None:
        self._clusters[c.id] = c
        self._by_text[c.template] = c
        self._by_len.setdefault(len(c.tokens), []).append(c)
        sk = skeleton(c.tokens)
        if sk:
            self._by_skel.setdefault(sk, c)

    def _unindex(self, c: Cluster) -> None:
        del self._clusters[c.id]
        self._by_text.pop(c.template, None)
        self._by_len[len(c.tokens)].remove(c)

    def _retemplate(self, c: Cluster, tokens: list[str], fixed: bool,
                    word_var: int | None = None) -> Cluster:
        """Give cluster ``c`` a more general template; merge into an equal one if it exists."""
        if not fixed:
            tokens = collapse(tokens)
        template = "".join(tokens)
        wv = c.word_vars | {word_var} if word_var is not None and fixed else c.word_vars
        if template == c.template:
            c.word_vars = wv
            return c
        self._unindex(c)
        other = self._by_text.get(template)
        if other is not None:
            other.word_vars = other.word_vars | wv
            other.size += c.size
            c.merged_into = other
            self._aliases[c.id] = other.id
            self._merges += 1
            return other
        new = Cluster(tokens, "", c.size, fixed)
        new.word_vars = wv if fixed else frozenset()
        back = template_id(template)
        if self.resolve(back) == c.id:  # back to a text it had (a restored constant undone):
            del self._aliases[back]  # its old id is the template's id again
        new.id = self._free_id(template)
        c.merged_into = new
        self._aliases[c.id] = new.id
        self._merges += 1
        self._index(new)
        for key, v in list(self._by_skel.items()):
            if v is c:
                self._by_skel[key] = new
        return new
