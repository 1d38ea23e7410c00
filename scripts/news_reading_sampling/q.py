import xml.etree.ElementTree as ET,re,random,json
def arts(f):
    r=ET.parse('tests/data/geoparsing-gold/'+f).getroot()
    return [' '.join((a.findtext('text') or '').split()) for a in r.iter('article')]
C={'GeoWebNews':arts('GWN.xml'),'TR-News':arts('TR-News.xml'),'GeoVirus':arts('GeoVirus.xml')}
SPL=re.compile(r'(?<=[.!?])[”"’]?\s+(?=[A-Z“"‘])|(?<=[.!?][”"’])\s+(?=[A-Z“"‘(])')
def sents(t):
    out=[];start=0
    for m in re.finditer(r'(?<=[.!?])([”"’]?)\s+(?=[A-Z“"‘])',t):
        end=m.start()+len(m.group(1))
        prev=t[max(start,end-5):end]
        if re.search(r'\b(Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Sgt|U\.S|U\.N|No|Jan|Feb|Aug|Sept|Oct|Nov|Dec|Gov|Sen|Rep|Jr|Inc|Corp|vs)\.[”"]?$',t[max(start,end-8):end]) or re.search(r'\b[A-Z]\.$',t[max(start,end-3):end]):
            continue
        out.append(t[start:end]); start=m.end()
    out.append(t[start:]); return [s for s in out if s]
S={c:[sents(a) for a in A] for c,A in C.items()}
json.dump(S,open('/tmp/annot/sents.json','w'))
