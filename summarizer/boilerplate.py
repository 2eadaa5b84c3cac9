"""Rules that recognise page junk in a dump: teasers, credits, appeals, comments, notices, menus.

The rules use structure and German web vocabulary, never one site's strings: a block is junk when
it is shaped like page furniture (a share bar, a credit, a timestamped comment header, a cookie
notice), and a section break when it announces what follows the article (comments, related
stories, more news).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.german import rule_word_count

_FLAGS = re.IGNORECASE
# Every alternative of the long patterns below starts at the text's start, at a word's start or at
# "©", "(" or "<". Saying so up front lets the engine leave every other position after one test
# instead of trying each alternative there: about four times faster on a sentence, same matches.
_GUARD = r"(?:^|\b(?=\w)|(?=[©(<]))"

# Blocks that announce the end of the article: what follows is comments, teasers or the footer.
_COMMENTS = re.compile(
    r"""^(?:
      (?:\d+|ein|eine|zwei|drei)\s+(?:kommentare?|antworten|reaktionen|comments?|responses?|
         gedanken|meinungen|rückmeldungen)\b.{0,120}
    | (?:leser)?kommentare?(?:\s*\(\d+\))?\s*:?
    | (?:schreibe?n?|verfasse|hinterlasse|hinterlassen\s+sie)\s+(?:einen|eine|ihren?|deinen?)\s+
      (?:kommentar|antwort)\b.{0,40}
    | (?:ein(?:en)?\s+)?kommentar\s+(?:schreiben|verfassen|hinterlassen|abgeben)\b.{0,20}
    | (?:diskussion|diskutieren\s+sie\s+mit|leserbriefe?|comments?|responses?|leave\s+a\s+reply)
      \s*:?
    | regeln\s+für\s+(?:kommentare|die\s+diskussion)\b.*
    )$""",
    _FLAGS | re.VERBOSE,
)

_RELATED = re.compile(
    r"""^(?:
      (?:weitere|ähnliche|verwandte|aktuelle|neueste|beliebte|empfohlene|passende|mehr|andere)\s+
      (?:meldungen|artikel|beiträge|themen|nachrichten|news|posts|stories|storys|videos|inhalte|
         rezepte|produkte|berichte|texte|links|beitrage|pressemitteilungen|meldungen|termine|
         veranstaltungen|empfehlungen|tipps|ratgeber|tests|angebote)\b.{0,40}
    | top\s*\d+\b.{0,60}
    | (?:mehr|weiteres|alles|neues)\s+(?:zum|zu\s+diesem|aus\s+dem|aus\s+der|vom|von)\s+
      (?:thema|themen|ressort|bereich|autor|autorin)\b.{0,40}
    | (?:das|dies|diese\s+(?:artikel|beiträge|themen)|folgendes)\s+könnten?\s+
      (?:sie|dich|dir|euch|ihnen)\s+(?:auch\s+|ebenfalls\s+|außerdem\s+)?
      (?:interessieren|gefallen)\b.{0,20}
    | (?:dir|ihnen|euch)\s+könnten?\s+(?:auch\s+|ebenfalls\s+)?(?:gefallen|interessieren)\b.{0,20}
    | (?:auch|ebenfalls)\s+interessant\b.{0,20}
    | (?:lesen|lest|lies)\s+(?:sie\s+)?(?:auch|mehr|weiter)\b.{0,20}
    | (?:related|more)\s+(?:posts|articles|stories)\b.{0,20}
    | (?:meistgelesen|am\s+meisten\s+gelesen|top[\s-]?themen|empfehlungen(?:\s+der\s+redaktion)?|
       schlagzeilen|themen\s+im\s+artikel)\s*:?
    | (?:tags|schlagwörter|schlagworte|stichwörter|themen)
      (?:\s+(?:zu|zum|in)\s+(?:diesem|dem)\s+(?:artikel|beitrag|text|thema))?\s*:?
    | (?:dieses|das)\s+thema\s+im\s+programm\s*:?
    )$""",
    _FLAGS | re.VERBOSE,
)

# Shapes of blocks that are furniture wherever they stand; _STRONG's shapes below are too, so the
# ones both lists held are written there only.
_JUNK_SHAPES = r"""
      ^@\s*[\w.-]+\.\w{2,4}$                                   # agency tag "@ dpa.de"
    | ^weiterlesen\b
    | \b(?:weiterlesen|weiter\s+lesen|mehr\s+lesen|read\s+more|zum\s+artikel|artikel\s+lesen|
         mehr\s+erfahren|mehr\s+anzeigen)\b\W{0,5}$
    | ^(?:foto|fotos|bild|bilder|grafik|quelle|bildquelle|bildnachweis|titelbild|beitragsbild|
         titelfoto|symbolbild|symbolfoto|header-?bild|image|photo|credit|copyright|illustration)
      \b\s*(?:[:©]|\(|-\s|von\b|by\b)
    | \(c\)\s*\d{4} | \bcopyright\b
    | \b(?:jetzt\s+|bitte\s+)?spenden\b
    | \bunterstützen\s+sie\s+(?:uns|unsere)\b
    | \bunterstütze\s+(?:uns|unsere)\b | \bwir\s+bitten\s+um\s+(?:ihre\s+|eure\s+|deine\s+)?
      (?:unterstützung|spende)
    | \bin\s+(?:dein|ihr|euer)\s+(?:e-?mail-?)?(?:postfach|posteingang)\b
    | \bwerden\s+sie\s+(?:jetzt\s+)?mitglied\b | \bwerde\s+(?:jetzt\s+)?mitglied\b
    | ^(?:weitere|mehr)\s+(?:informationen|infos|details)\b[^.]{0,100}(?::|https?://|www\.)
    | \b(?:finden|lesen|erfahren|erklären|zeigen)\s+(?:sie|wir|du|ihr)\b[^.]{0,60}\bin\s+unserem\s+
      (?:[\w-]+\s+)?(?:beitrag|artikel|ratgeber|newsblog|liveblog|blog|dossier|special|überblick)\b
    | \bnewsletter\b | \babonnier(?:e|en|t)\b | \babo\s+abschließen\b | \bjetzt\s+abonnieren\b
    | \bcookies?\b | \bdatenschutzerklärung\b | \bdatenschutzhinweise?\b
    | \bnutzungsbedingungen\b | \bimpressum\b | \bagb\b
    | \b(?:folg(?:e|t|en\s+sie)|teile|teilen|abonniere)\b[^.]{0,40}\b(?:telegram|twitter|facebook|
         instagram|whatsapp|youtube|tiktok|linkedin|mastodon|gettr|xing|rss)\b
    | ^(?:teilen|drucken|twittern|mailen|share|tweet|merken|empfehlen|link\s+kopieren|
         artikel\s+teilen|seite\s+teilen|inhalt\s+teilen|e-?mail|feedback|zurück|nach\s+oben|
         zum\s+seitenanfang|top)\b\W*$
    | ^(?:(?:via|auf|bei|per|mit)\s+)?(?:facebook|twitter|x|instagram|whatsapp|what's\s*app|
         messenger|telegram|pinterest|linkedin|xing|reddit|tumblr|flipboard|pocket|threads|
         mastodon|bluesky|youtube|tiktok|e-?mail|mail|rss|rss-feed|link|drucken|print|kopieren)
      (?:\s*(?:teilen|folgen|öffnen|senden|verschicken))?\W*$
    | \bdiese[rs]?\s+(?:beitrag|eintrag|artikel)\s+wurde\s+(?:veröffentlicht|abgelegt|geschrieben)\b
    | \bveröffentlicht\s+in\s*:|\bgetaggt\s+mit\b|\bkategorien?\s*:
    | ^(?:lesen|lest|lies|hören|hört|sehen|seht|schauen)\s+(?:sie\s+)?
      (?:hier|auch|mehr|dazu|außerdem)\b
    | ^>>|<<$ | ^inhaltsverzeichnis\b | \bohne\s+gewähr\b | ^kommentieren\b
    | ^(?:weitere|aktuelle|neueste|ähnliche|verwandte|passende|beliebte|meistgelesene|top)\s+
      [\w-]+(?:\s+[\w-]+){0,2}\s*:?$
    | \b(?:antworten|reply|melden|zitieren)\W*$
    | \bdaumen\s+(?:hoch|runter)\b | \bbloggern\s+gefällt\b | \blikes?\b\W*$
    | \bminuten?\s+lesezeit\b | \blesezeit\b | \blesedauer\b | \breading\s+time\b
    | \b(?:anmelden|einloggen|registrieren|login|log\s+in|passwort\s+vergessen)\b\W*$
    | \bsie\s+sind\s+(?:hier|nicht\s+angemeldet)\b | \bbesucher\s+(?:sind\s+)?online\b
    | \bjavascript\b | \bbrowser\b.{0,60}\b(?:aktivieren|unterstützt|veraltet)\b
    | \banzeige\b\W*$ | ^(?:anzeige|werbung|sponsored|advertorial|partner-?inhalt)\b
    | \bmitglied\s+seit\b | \bbeiträge:\s*\d+
    | \bpflichtfelder\b
    | \bfür\s+links\s+auf\s+dieser\s+seite\b | \baffiliate\b | \bprovisions?\b.{0,40}\blinks?\b
    | \bartikel\s+(?:drucken|versenden|teilen|merken)\b
    | \b(?:zuletzt\s+)?aktualisiert\s+(?:am|:)\s*\d | \bstand:\s*\d
    | ^(?:von|by|autor(?:in)?|text|redaktion|interview)\s*:?\s*
      [A-ZÄÖÜ][\w.-]+(?:\s+[A-ZÄÖÜ][\w.-]+){0,3}
      (?:\s*[,|/|-]\s*.{0,40})?$
"""

# Labels and calls to action that are junk as a short block but fine inside a sentence.
_SHORT_JUNK = re.compile(
    r"""
      ^(?:empfohlen|empfehlungen)\b | ^(?:noch\s+)?mehr\s+(?:infos?|informationen)\b
    | ^auch\s+(?:auf|bei)\s+\S+\.\w{2,4}\b
    | ^gefällt\s+mir\b
    | \b(?:bestellen|jetzt\s+kaufen|in\s+den\s+warenkorb|zum\s+shop|abspeichern|herunterladen)\b
    """,
    _FLAGS | re.VERBOSE,
)
SHORT_JUNK_WORDS = 8

# Shapes that make even a sentence-long block junk: credits, copyright, comment stamps, consent.
_STRONG_SHAPES = r"""
      \bCC[\s-]BY\b | \bvia\s+Wikimedia\b | \bWikimedia\s+Commons\b | \bcreative\s+commons\b
    | ^(?:foto|fotos|bild|bilder|grafik|bildquelle|bildnachweis|titelbild|beitragsbild|titelfoto|
         symbolbild|symbolfoto|copyright|credit)\s*:
    | ©\s*\S | \balle\s+rechte\s+vorbehalten\b | \bspendenfinanziert\b
    | \bzeige?n?\s+alle\s+(?:beiträge|artikel)\s+von\b
    | \b(?:pingback|trackback)\b
    | \((?:foto|fotos|bild|quelle|grafik)\s*:[^)]{1,60}\)\W*$
    | \([^()]{0,60}\b(?:getty|fotolia|istock|shutterstock|adobe\s*stock|imago|picture[\s-]alliance|
         unsplash|pixabay)\b[^()]{0,30}\)\W*$
    | \b(?:foto|bild|quelle)\s*:\s*[^.\n]{0,40}(?:/|©|getty|dpa|fotolia|istock|shutterstock|
         adobe\s*stock|imago|picture[\s-]alliance|unsplash|pixabay)
    | \b(?:weiterlesen|weiter\s+lesen|mehr\s+lesen|read\s+more|mehr\s+erfahren)\W{0,5}$
    | \bum\s+\d{1,2}[:.]\d{2}\s*(?:uhr)?\b.{0,20}\b(?:antworten|reply|melden)\b
    | \bdiese[rs]?\s+(?:beitrag|eintrag|artikel)\s+wurde\s+(?:veröffentlicht|abgelegt)\b
    | \bverschlagwortet\s+mit\b
    | \be-?mail-?adresse\s+wird\s+nicht\s+veröffentlicht\b
    | \bich\s+(?:habe|akzeptiere|stimme|bestätige|willige)\b[^.]{0,40}\bdatenschutz
    | \b(?:wir\s+)?verwenden\s+cookies\b | \bdiese\s+(?:web)?seite\s+(?:verwendet|nutzt)\s+cookies\b
"""
_STRONG = re.compile(_GUARD + "(?:" + _STRONG_SHAPES + ")", _FLAGS | re.VERBOSE)
# Furniture of either list in one search: a block matching any shape of the two is junk.
_JUNK = re.compile(_GUARD + "(?:" + _JUNK_SHAPES + "|" + _STRONG_SHAPES + ")", _FLAGS | re.VERBOSE)
# A block this long that ends like a sentence is running text unless a _STRONG shape says not.
PROSE_WORDS = 30
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'“”»«’)\]]*$")

# Consent dialogs are long, well-formed prose; they give themselves away by talking about
# cookies together with consent, settings or storage.
_COOKIE = re.compile(r"\bcookies?\b|\btechnische\s+speicherung\b", _FLAGS)
# The privacy notice of a contact form: "Wenn Sie uns per Kontaktformular Anfragen zukommen lassen,
# werden Ihre Angaben … gespeichert."
_FORM_NOTICE = re.compile(
    r"\b(?:kontakt|anfrage)formular\w*\b.{0,120}\bihre\s+(?:angaben|daten)\b"
    r".{0,160}\b(?:gespeichert|verarbeitet)\b",
    _FLAGS,
)
_CONSENT = re.compile(
    r"\b(?:einwilligung|zustimm|akzeptier|ablehn|einstellung|speicherung|tracking|widerruf|"
    r"geräteinformation|personalisiert|drittanbieter|anbieter|datenschutz|browser)",
    _FLAGS,
)
# A teaser cut off by the site mid-word: "… erzielt Konzernumsatz von 3,9 Mrd. EUR bei solidem A..."
_TRUNCATED = re.compile(r"[^\W\d_]\s?\.\.\.$")

_AGENCY_LINE = re.compile(
    r"^\(?(?:dpa|afp|reuters|ap|epd|kna|dts|sid|apa|ots|idea)(?:[/,\s]\w+)*\)?$", _FLAGS
)

# A link that stands for the rest of a teaser: the block above it is another story's teaser.
_READ_MORE = re.compile(
    r"^(?:jetzt\s+)?(?:weiterlesen|weiter\s+lesen|mehr\s+lesen|mehr\s+erfahren|zum\s+artikel|"
    r"zum\s+beitrag|artikel\s+lesen|herunterladen|read\s+more)\W*$",
    _FLAGS,
)

# The heading of an about box: "Über mich", "Über uns", "Über den Autor", "Über Anna Muster",
# "Zur Person". What follows it describes the site or the writer, not the article.
_ABOUT_HEADER = re.compile(
    r"^(?:über|zur\s+person|zum\s+autor|zur\s+autorin|(?:die|der)\s+autor(?:in)?)\b[^.!?:]{0,40}$",
    _FLAGS,
)
ABOUT_HEADER_WORDS = 5


def squeeze(block: str) -> str:
    """The block on one line, each run of white space one space: the text every rule here reads."""
    return " ".join(block.split())


@dataclass(frozen=True, slots=True)
class Verdict:
    """The rules' answers for one block (see the is_… functions of the same names)."""

    junk: bool
    section_break: bool
    read_more: bool
    about_header: bool


def judge(block: str) -> Verdict:
    """All the rules' answers for a block, its text squeezed once for all of them."""
    text = squeeze(block)
    return Verdict(
        junk=_is_junk(text),
        section_break=_is_section_break(text),
        read_more=_is_read_more(text),
        about_header=_is_about_header(text),
    )


def is_about_header(block: str) -> bool:
    """True for the heading of an about box ("Über mich", "Über den Autor", "Zur Person")."""
    return _is_about_header(squeeze(block))


def is_read_more(block: str) -> bool:
    """True for a block that is only a link to more ("Weiterlesen", "Mehr erfahren")."""
    return _is_read_more(squeeze(block))


def is_comments_header(block: str) -> bool:
    """True when a block opens a comment section: "4 Kommentare", "Schreibe einen Kommentar"."""
    text = squeeze(block)
    return len(text) <= 200 and bool(_COMMENTS.match(text))


def is_section_break(block: str) -> bool:
    """True when a block announces comments, related stories or more news after the article."""
    return _is_section_break(squeeze(block))


def is_junk(block: str) -> bool:
    """True when a block is page furniture rather than article text."""
    return _is_junk(squeeze(block))


def _is_about_header(text: str) -> bool:
    return len(text.split()) <= ABOUT_HEADER_WORDS and bool(_ABOUT_HEADER.match(text))


def _is_read_more(text: str) -> bool:
    return bool(_READ_MORE.match(text))


def _is_section_break(text: str) -> bool:
    return len(text) <= 200 and bool(_RELATED.match(text) or _COMMENTS.match(text))


def _is_junk(text: str) -> bool:
    if not text:
        return True
    if _AGENCY_LINE.match(text):
        return True
    if _COOKIE.search(text) and _CONSENT.search(text):
        return True
    if _FORM_NOTICE.search(text):
        return True
    # _TRUNCATED ends with "...$" and a squeezed text never ends with a line break, so only a
    # text ending with "..." can match; the test spares the search on every other block.
    if len(text) <= 200 and text.endswith("...") and _TRUNCATED.search(text):
        return True
    words = rule_word_count(text)
    # Running text that merely mentions a cookie, a newsletter or the AGB is still text; only
    # credit, copyright and comment-stamp shapes make a sentence-long block junk.
    if words >= PROSE_WORDS and _ENDS_SENTENCE.search(text):
        return bool(_STRONG.search(text))
    if words <= SHORT_JUNK_WORDS and _SHORT_JUNK.search(text):
        return True
    return bool(_JUNK.search(text))
