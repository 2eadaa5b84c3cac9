#!/bin/sh
# Slim the image's venv, then prove the bot still works in it:
#   sh deploy/slim-venv.sh /opt/newsbot
# The bot reads German only, so wordfreq's and simplemma's other languages go (about 70 MB), and
# pip and setuptools go (nothing imports them at run time; the image never installs again).
# Then German lemmas and word frequencies are looked up and the demo prints the seeds' digest,
# so a data file the bot needs cannot be pruned unnoticed.
set -eu
venv=$1
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
find "$site/wordfreq/data" -type f ! -name '*_de.msgpack.gz' -delete
find "$site/simplemma/strategies/dictionaries/data" -type f ! -name 'de.plzma' -delete
"$venv/bin/python" -m pip uninstall --quiet --yes pip setuptools
rm -f "$venv"/bin/pip "$venv"/bin/pip3*

work=$(mktemp -d)
cd "$work"
"$venv/bin/python" -W error - <<'PY'
from wordfreq import get_frequency_dict

from summarizer.german import lemma

assert [lemma(w) for w in ("Häuser", "gefiel", "Venezuelas")] == ["Haus", "gefallen", "Venezuela"]
assert get_frequency_dict("de", "small")["und"] > 0.01
PY
NEWSBOT_CONFIG="" NEWSBOT_DB="$work/smoke.db" "$venv/bin/python" -W error -m bot demo --no-console \
    >demo.txt
grep -q "Kreml fordert friedliche Lösung" demo.txt
grep -q "Russland erwägt Venezuelas Bitte" demo.txt
cd /
rm -rf "$work"
echo "slim venv ok: German lemmas, word frequencies and the demo work"
