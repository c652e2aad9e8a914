#!/usr/bin/python3
# catalogue-check.py - validates the fact files of catalogue/ (docs/catalogue.md) against the fact
# vocabulary of docs/facts.md and, independently, against Epoch AI's model table.
#
#   /usr/bin/python3 tools/catalogue-check.py [--facts docs/facts.md] [--epoch CSV] FILE.json...
#
# Checks, per file: well-formed JSON in the documented shape (docs/facts.md, "Fact files"); every
# fact has a field from the vocabulary table, a value of that field's type and a non-empty source;
# the top-level provider/license/access agree with the model.provider/license.spdx/model.access
# facts; a base names another file given on the command line; every key field of
# docs/catalogue.md's checklist is either recorded or listed in disclosure.undisclosed, and a
# field that is both must carry a third-party source; open-weight files release their final
# parameters under the file's licence, closed ones do not release them.  With --epoch, every
# fact that cites an Epoch row ('row "NAME"') is compared with that row of the CSV, read in place:
# an Epoch-sourced training.flop (or .low/.high, .confidence) must equal the CSV's value, a
# developer figure that cites a row as corroboration must agree within EPOCH_AGREE.
#
# Prints one line per problem, "catalogue-check: FILE: fact N (FIELD): what", and exits 1 when
# there is any; prints "catalogue-check: N files ok" and exits 0 otherwise; exit 2 on usage errors.
# Uses only the standard library of Debian's python3 (no third-party modules).
import csv
import json
import math
import os
import re
import sys

TOP_KEYS = ('name', 'version', 'provider', 'license', 'access', 'base', 'relation', 'facts')
RELATIONS = ('finetune', 'quantized', 'merge', 'adapter', 'distilled')
NAME_RE = re.compile(r'^[a-z0-9][a-z0-9.+_-]*$')
# Fields every catalogue entry must either record or declare undisclosed (docs/catalogue.md).
CHECKLIST = ('model.parameters', 'training.tokens', 'training.flop', 'training.hardware.type',
             'training.gpu_hours')
# A developer's own figure and Epoch's row for it agree within this relative difference
# (Falcon-180B: 43,500 PF-days = 3.7584e24 against Epoch's rounded 3.76e24).
EPOCH_AGREE = 0.02
# An Epoch-sourced value is a copy of the CSV cell: equal up to float formatting.
EPOCH_EQUAL = 1e-9
EPOCH_ROW_RE = re.compile(r'row "([^"]+)"')
THIRD_PARTY = 'Epoch AI'
# Epoch's confidence words (CSV column "Confidence") as the vocabulary writes them.
EPOCH_CONFIDENCE = {'Confident': 'confident', 'Likely': 'likely', 'Speculative': 'speculative'}

problems = []


def problem(path, what):
    problems.append('catalogue-check: %s: %s' % (path, what))


def load_vocabulary(facts_md):
    """Return {field: type} from the "## Fields" table, and the openness component list."""
    vocab = {}
    components = []
    section = None
    with open(facts_md, encoding='utf-8') as fh:
        for line in fh:
            if line.startswith('## '):
                section = line[3:].strip()
                continue
            m = re.match(r'^\| `([a-z0-9_.<>]+)` \| ([^|]*(?:\\\|[^|]*)*) \|', line)
            if section == 'Fields' and m:
                vocab[m.group(1)] = m.group(2).strip().replace('\\|', '|')
            m = re.match(r'^\| `openness\.([a-z_]+)` \| ', line)
            if section == 'Openness components' and m:
                components.append(m.group(1))
    if '<component>' in ''.join(vocab):
        vtype = vocab.pop('openness.<component>')
        for c in components:
            vocab['openness.' + c] = vtype
    return vocab


def is_int(v):
    s = str(v)
    if re.fullmatch(r'[0-9]+', s):
        return True
    if re.fullmatch(r'[0-9]+(\.[0-9]+)?[eE]\+?[0-9]+', s):
        mant, _, exp = s.lower().partition('e')
        frac = mant.partition('.')[2]
        return len(frac.rstrip('0')) <= int(exp)
    return False


def as_number(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        x = float(v)
    elif isinstance(v, str) and re.fullmatch(r'[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?', v):
        x = float(v)
    else:
        return None
    return x if math.isfinite(x) else None


def check_value(vtype, v):
    """Return None when v is a valid value of vtype, else the reason."""
    if vtype == 'json':
        return None
    if isinstance(v, (dict, list)) or v is None or isinstance(v, bool):
        return 'value must be a JSON string or number'
    s = str(v)
    if vtype == 'string':
        return None if s and '\n' not in s else 'not a one-line string'
    if vtype == 'text':
        return None if s else 'empty text'
    if vtype == 'int':
        return None if is_int(v) else "'%s' is not a non-negative integer" % s
    if vtype in ('number', 'fraction'):
        x = as_number(v)
        if x is None:
            return "'%s' is not a finite number" % s
        if vtype == 'fraction' and not 0 <= x <= 1:
            return "'%s' is not in [0, 1]" % s
        return None
    if vtype == 'date':
        ok = re.fullmatch(r'[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?', s)
        return None if ok else "'%s' is not YYYY-MM-DD, YYYY-MM or YYYY" % s
    if vtype == 'url':
        return None if re.fullmatch(r'https?://\S+', s) else "'%s' is not an http(s) URL" % s
    m = re.fullmatch(r'(enum|list)\((.*)\)', vtype)
    if m:
        words = m.group(2).split('|')
        got = s.split(',') if m.group(1) == 'list' else [s]
        bad = [w for w in got if w not in words]
        return None if not bad else "'%s' is not one of %s" % (','.join(bad), '|'.join(words))
    return 'unknown type %s in docs/facts.md' % vtype


def load_epoch(path):
    rows = {}
    with open(path, newline='', encoding='utf-8') as fh:
        for row in csv.DictReader(fh):
            rows.setdefault(row['Model'], row)
    return rows


def close(a, b, rel):
    return abs(a - b) <= rel * max(abs(a), abs(b))


def check_epoch(path, i, fact, epoch):
    field, source = fact['field'], fact['source']
    m = EPOCH_ROW_RE.search(source)
    if not m or 'Epoch' not in source:
        return
    row = epoch.get(m.group(1))
    where = 'fact %d (%s)' % (i, field)
    if row is None:
        problem(path, '%s: Epoch row "%s" is not in the CSV' % (where, m.group(1)))
        return
    primary = source.startswith(THIRD_PARTY)
    column = {'training.flop': 'Training compute (FLOP)',
              'training.flop.low': 'Training compute lower bound',
              'training.flop.high': 'Training compute upper bound'}.get(field)
    if field == 'training.flop.confidence':
        want = EPOCH_CONFIDENCE.get(row['Confidence'])
        if str(fact['value']) != want:
            problem(path, '%s: %s, Epoch row "%s" says %s' % (where, fact['value'], m.group(1), row['Confidence']))
        return
    if column is None or not row[column].strip():
        if field == 'training.flop.low' or field == 'training.flop.high':
            return  # an interval from the row's notes (e.g. GPT-4's 90 % CI): no column to compare
        return
    got = as_number(fact['value'])
    want = float(row[column])
    rel = EPOCH_EQUAL if primary else EPOCH_AGREE
    if got is None or not close(got, want, rel):
        problem(path, '%s: %s differs from Epoch row "%s" %s = %s' % (where, fact['value'], m.group(1), column, row[column]))


def check_file(path, vocab, epoch, names):
    try:
        with open(path, encoding='utf-8') as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as e:
        problem(path, 'not valid JSON: %s' % e)
        return
    if not isinstance(doc, dict):
        problem(path, 'top level is not a JSON object')
        return
    for k in doc:
        if k not in TOP_KEYS:
            problem(path, "unknown top-level member '%s'" % k)
    for k in ('name', 'version'):
        if not isinstance(doc.get(k), str) or not NAME_RE.match(doc.get(k) or ''):
            problem(path, "'%s' missing or not a lowercase identifier" % k)
    if isinstance(doc.get('name'), str) and os.path.basename(path) != doc['name'] + '.json':
        problem(path, "file name does not match name '%s'" % doc['name'])
    facts = doc.get('facts')
    if not isinstance(facts, list) or not facts:
        problem(path, "'facts' missing or not a non-empty array")
        return
    current = {}
    for i, fact in enumerate(facts):
        where = 'fact %d' % i
        if not isinstance(fact, dict) or set(fact) != {'field', 'value', 'source'}:
            problem(path, '%s: must be an object with exactly field, value, source' % where)
            continue
        field = fact['field']
        where = 'fact %d (%s)' % (i, field)
        if not isinstance(field, str) or field not in vocab:
            problem(path, "%s: field is not in docs/facts.md's table" % where)
            continue
        if not isinstance(fact['source'], str) or not fact['source'].strip():
            problem(path, '%s: empty source' % where)
        why = check_value(vocab[field], fact['value'])
        if why:
            problem(path, '%s: %s' % (where, why))
        if field in current:
            problem(path, '%s: field given twice' % where)
        current[field] = fact
        if epoch is not None:
            check_epoch(path, i, fact, epoch)

    for top, field in (('provider', 'model.provider'), ('license', 'license.spdx'), ('access', 'model.access')):
        if top in doc and field in current and str(current[field]['value']) != doc[top]:
            problem(path, "top-level %s '%s' differs from fact %s '%s'" % (top, doc[top], field, current[field]['value']))
        if top not in doc or field not in current:
            problem(path, 'top-level %s and fact %s must both be given' % (top, field))
    base, relation = doc.get('base'), doc.get('relation')
    if (base is None) != (relation is None):
        problem(path, 'base and relation must be given together')
    if base is not None and base not in names:
        problem(path, "base '%s' is not NAME@VERSION of a catalogue file" % base)
    if relation is not None and relation not in RELATIONS:
        problem(path, "relation '%s' is not one of %s" % (relation, '|'.join(RELATIONS)))

    undisclosed = []
    if 'disclosure.undisclosed' in current:
        undisclosed = str(current['disclosure.undisclosed']['value']).split(',')
        for f in undisclosed:
            if f not in vocab:
                problem(path, "disclosure.undisclosed names '%s', not a vocabulary field" % f)
    for f in CHECKLIST:
        if f not in current and f not in undisclosed:
            problem(path, '%s neither recorded nor listed in disclosure.undisclosed' % f)
        if f in current and f in undisclosed and not current[f]['source'].startswith(THIRD_PARTY):
            problem(path, '%s is listed undisclosed but its value is not sourced to a third party' % f)
    if 'training.flop' in current and current['training.flop']['source'].startswith(THIRD_PARTY) \
            and 'training.flop.confidence' not in current:
        problem(path, 'third-party training.flop without training.flop.confidence')

    weights = current.get('openness.model_parameters_final')
    if weights is None:
        problem(path, 'openness.model_parameters_final missing')
    elif doc.get('access') == 'open-weight' and weights['value'] != doc.get('license'):
        problem(path, "open-weight, but openness.model_parameters_final is '%s', not the licence '%s'" % (weights['value'], doc.get('license')))
    elif doc.get('access') in ('api', 'none') and weights['value'] != 'not-included':
        problem(path, "access '%s', but openness.model_parameters_final is '%s'" % (doc.get('access'), weights['value']))


def main(argv):
    facts_md = 'docs/facts.md'
    epoch_csv = None
    files = []
    args = iter(argv)
    for a in args:
        if a == '--facts':
            facts_md = next(args, None)
        elif a == '--epoch':
            epoch_csv = next(args, None)
        elif a.startswith('-'):
            files = None
            break
        else:
            files.append(a)
    if not files or facts_md is None or (epoch_csv is None and '--epoch' in argv):
        sys.stderr.write('usage: catalogue-check.py [--facts FACTS.md] [--epoch CSV] FILE.json...\n')
        return 2
    vocab = load_vocabulary(facts_md)
    epoch = load_epoch(epoch_csv) if epoch_csv else None
    names = set()
    for p in files:
        try:
            with open(p, encoding='utf-8') as fh:
                d = json.load(fh)
            names.add('%s@%s' % (d['name'], d['version']))
        except (OSError, ValueError, KeyError, TypeError):
            pass
    for p in files:
        check_file(p, vocab, epoch, names)
    for line in problems:
        print(line)
    if problems:
        return 1
    print('catalogue-check: %d files ok' % len(files))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
