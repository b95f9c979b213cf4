# Independent reading of arXiv listing fixtures (throw-away; not the extension).
import re, json, sys
def fold(s): return ' '.join(s.split())
def jarr(a): return json.dumps(a, separators=(',',':'), ensure_ascii=False)
def names(s):
    s=fold(s); out=[]; depth=0; cur=''
    i=0
    while i<len(s):
        c=s[i]
        if c=='(': depth+=1
        if c==')' and depth>0: depth-=1
        if depth==0 and c==',': out.append(cur); cur=''; i+=1; continue
        if depth==0 and s.startswith(' and ',i): out.append(cur); cur=''; i+=5; continue
        cur+=c; i+=1
    out.append(cur)
    return [x.strip() for x in out if x.strip()]
def links(t):
    res=[]
    for m in re.finditer(r'https?://[^\s<>"{}|\\^`]+', t):
        u=m.group(0)
        while u and (u[-1] in ".,;:!?'" or (u[-1]==')' and u.count(')')>u.count('(')) or (u[-1]==']' and u.count(']')>u.count('['))): u=u[:-1]
        if u not in res: res.append(u)
    return res
MON={m:i+1 for i,m in enumerate('Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split())}
def main(path):
    lines=open(path,newline='').read().replace('\r\n','\n').split('\n')
    section='new'; rows=[]; i=0
    while i<len(lines):
        l=lines[i]
        if l.startswith('%-%-'): section='cross'
        elif l.startswith('%%--'): section='replace'
        elif l.startswith('%%%-'): section='footer'
        if l=='\\\\' and i+1<len(lines) and re.match(r'(arXiv:|Paper)',lines[i+1]):
            idline=lines[i+1]; idl=i+2
            m=re.match(r'arXiv:(\S+)( \(\*cross-listing\*\))?$',idline)
            aid=m.group(1); cross=bool(m.group(2))
            ver=None
            mv=re.match(r'(.*)v(\d+)$',aid)
            if mv: aid,ver=mv.group(1),int(mv.group(2))
            j=i+2; fields=[]; datel=None
            while lines[j]!='\\\\' and not lines[j].startswith('\\\\ ('):
                x=lines[j]
                if x.startswith('  ') and fields: fields[-1][1]+='\n'+x
                elif x.startswith('Date:') or x.startswith('replaced with revised version'): datel=x
                elif x.strip()=='': pass
                else:
                    k,v=x.split(':',1); fields.append([k,v.strip()])
                j+=1
            abstract=None
            if lines[j]=='\\\\':
                j+=1; paras=[]
                while not lines[j].startswith('\\\\ ('):
                    if lines[j].startswith(' ') or not paras: paras.append(lines[j])
                    else: paras[-1]+=' '+lines[j]
                    j+=1
                abstract='\n\n'.join(fold(p) for p in paras)
            replaced=datel.startswith('replaced')
            dt=datel[len('replaced with revised version'):] if replaced else datel[5:]
            md=re.match(r'\s*(.*?)\s+\((\d+)kb(?:,(\w+))?\)\s*$',dt)
            dtext=md.group(1); kb=int(md.group(2)); flags=md.group(3)
            d=re.match(r'\w+, (\d+) (\w+) (\d{4})',dtext)
            pub='%s-%02d-%02d'%(d.group(3),MON[d.group(2)],int(d.group(1)))
            F={k:fold(v) for k,v in fields}
            extra={'size_kb':kb}
            if flags: extra['flags']=flags
            if flags and 'I' in flags: extra['withdrawn']=True
            au=F['Authors']
            mt=re.match(r'(.*?),? et al\. \((\d+) additional authors not shown\)$',au)
            if mt: au=mt.group(1); extra['authors_not_shown']=int(mt.group(2))
            for k,v in fields:
                if k not in ('Title','Authors','Categories','Comments','Journal-ref','DOI'):
                    extra[k.lower().replace('-','_')]=fold(v)
            if replaced: ann='replace-cross' if cross else 'replace'
            elif cross or section=='cross': ann='cross'
            else: ann='new'
            title=F['Title']
            rows.append(dict(title=title,abstract=abstract,authors=jarr(names(au)),published=pub,date_text=dtext,
              arxiv_id=aid,arxiv_version=ver,categories=jarr(F['Categories'].split()),announce=ann,
              comments=F.get('Comments'),doi=F.get('DOI'),journal_ref=F.get('Journal-ref'),
              url='https://arxiv.org/abs/'+aid,links=jarr(links(title+' '+(abstract or ''))),
              extra=jarr(extra),line=i+2))
            i=j
        i+=1
    return rows
cols='ordinal format title abstract authors author_count org org_handle published date_text comment_count upvotes arxiv_id arxiv_version categories announce comments doi journal_ref url links extra line'.split()
def show(v):
    if v is None: return 'NULL'
    if v=='': return '(empty)'
    return str(v).replace('\n','\\n')
for n,r in enumerate(main(sys.argv[1]),1):
    r.update(ordinal=n,format='arxiv-mail')
    print('|'.join(show(r.get(c)) for c in cols))
