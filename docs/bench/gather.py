"""Gathers docs/bench/*.md into docs/BENCHMARKS.md (run from the repository root)."""
import re
HEAD = open('docs/bench/summary.md').read().rstrip('\n').splitlines()
ORDER = [('kv.md', 'KV'), ('kv-redis.md', 'Redis'), ('kv-dynamo.md', 'DynamoDB'), ('meta.md', 'Raft'),
         ('blob.md', 'Blob'), ('fs.md', 'fs-core'), ('fuse.md', 'FUSE')]
out = HEAD + ['']
for f, name in ORDER:
    out += ['## ' + name, '', '_From [docs/bench/%s](bench/%s)._' % (f, f), '']
    fence = False
    for line in open('docs/bench/' + f).read().splitlines():
        if line.startswith('```'):
            fence = not fence
        elif not fence and line.startswith('# '):
            line = '_' + line[2:].strip() + '_'
        elif not fence and re.match(r'#+ ', line):
            line = '#' + line
        out.append(line)
    out.append('')
open('docs/BENCHMARKS.md', 'w').write('\n'.join(out) + '\n')
