import json,re,random
S=json.load(open('/tmp/annot/sents.json'))
Q=re.compile(r'[“”"]')
pool=[(c,ai,si) for c in ('GeoWebNews','TR-News') for ai,a in enumerate(S[c]) for si,s in enumerate(a) if Q.search(s)]
random.seed(20261207); random.shuffle(pool)
json.dump(pool,open('/tmp/annot/qpool.json','w'))
import sys
a,b=int(sys.argv[1]),int(sys.argv[2])
for j,(c,ai,si) in enumerate(pool[a:b],a):
    s=S[c][ai]
    print(f"## {j} {c[:3]}-{ai}-s{si}\n  PREV: {s[si-1][-200:] if si else ''}\n  S: {s[si]}")
