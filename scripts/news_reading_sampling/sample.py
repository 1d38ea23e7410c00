import csv,gzip,random,re,json
rows=list(csv.DictReader(gzip.open('src/ceasefire/data/ucdp/ged_syria_2016-01_2019-11.csv.gz','rt',encoding='utf-8')))
rows.sort(key=lambda r:int(float(r['id'])))
seen=set(); cands=[]
for r in rows:
    segs=r['source_headline'].split(';')
    offs=r['source_office'].split(';'); dates=r['source_date'].split(';')
    for k,s in enumerate(segs):
        t=' '.join(s.split())
        if not t or t in seen: continue
        seen.add(t)
        cands.append(dict(id=int(float(r['id'])),k=k,text=t,outlet=offs[k] if len(offs)==len(segs) else r['source_office'],
                          date=(dates[k] if len(dates)==len(segs) else r['source_date'])[:10],nseg=len(segs)))
print(len(cands))
random.seed(20261207)
random.shuffle(cands)
json.dump(cands,open('/tmp/annot/cands.json','w'))
