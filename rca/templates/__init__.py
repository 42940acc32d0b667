"""Templates: masking rules as data, the online template miner and its JSON state.

>>> from rca.templates import TemplateMiner
>>> TemplateMiner().add("connected to 10.0.0.7:5432 in 12ms").template
'connected to <*> in <*>'
"""

from rca.templates.masking import Masker, MaskRule, load_rules
from rca.templates.miner import TemplateMatch, TemplateMiner, template_id
from rca.templates.tokens import tokenize

__all__ = ["Masker", "MaskRule", "TemplateMatch", "TemplateMiner", "load_rules",
           "template_id", "tokenize"]
