import json,re
c=json.load(open('/tmp/annot/cands.json'))
def ok(x):
    t=x['text']
    if re.match(r'^(R|TS)\d+$',t): return 'stub'
    if re.search(r'\(S\d+[a-z]?\)',t) or 'Syria Daily Report' in t or re.match(r'^(January|February|March|April|May|June|July|August|September|October|November|December|Around)\b',t): return 'stub'
    if t[0].islower(): return 'fragment'
    if len(t)>=290: return 'truncated'
    if '&#' in t: return 'truncated'
    return ''
el=[]
for i,x in enumerate(c):
    r=ok(x)
    if not r: el.append((i,x))
json.dump([x|{'rank':i} for i,x in el],open('/tmp/annot/elig.json','w'))
import sys
a,b=int(sys.argv[1]),int(sys.argv[2])
for j,(i,x) in enumerate(el[a:b],a): print(j,f"{x['id']}-{x['k']}",'|',x['text'])
