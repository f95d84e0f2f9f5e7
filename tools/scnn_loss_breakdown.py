#!/usr/bin/env python3
"""Where SCNN's speedup over DCNN goes, per layer, from two `sxsim run --out` folders.

    scnn_loss_breakdown.py OUT_SCNN OUT_DCNN      (AlexNet CONV1-5: --first-layers 5)

Prints two markdown tables (docs/validation.md, "Why the speedup is 1.76x, not 2.37x"):
cycles per layer against the ideal (useful products / 1024 multipliers), and the chain of
loss factors ideal -> mean PE issue cycles (fragmentation: empty or discarded multiplier
slots) -> + crossbar stalls -> busiest PE per group, summed (imbalance and barriers) ->
end-to-end cycles (weight delivery, DRAM, halos, drain). Mean PE figures are over all 64 PEs.
"""
import json,sys
def load(n):
    return {L['layer']:L for L in json.load(open(n + '/run.json'))['layers']}
def row(L):
    x=L['extra']; P=x['products']; ideal=P/1024
    issue=x['array_cycles']/64; stall=x['crossbar_conflict_stall_cycles']/64
    busy=issue+stall; b=x['group_busiest_pe_cycles_sum']; c=L['cycles']
    return dict(P=P,ideal=ideal,issue=issue,busy=busy,busiest=b,cycles=c,macs=L['macs'],
      f_frag=issue/ideal,f_xbar=busy/issue,f_imb=b/busy,f_deliv=c/b,slots_used=P/(16*x['array_cycles']),disc=x['products_discarded'])
names=sys.argv[1:]
if len(names) != 2: sys.exit('usage: scnn_loss_breakdown.py SCNN_OUT_DIR DCNN_OUT_DIR')
S=load(names[0]); D=load(names[1])
tot={k:[0]*6 for k in 'SD'}
print('| layer | dense MACs | SCNN products | SCNN ideal | SCNN issue (mean PE) | + crossbar | busiest PE (groups) | SCNN cycles | DCNN ideal | DCNN issue (mean PE) | DCNN busiest PE | DCNN cycles | ideal speedup | PE-only speedup | speedup |')
print('|'+'---|'*15)
for l in ['conv1','conv2','conv3','conv4','conv5']:
    s=row(S[l]); d=row(D[l])
    for k,r in (('S',s),('D',d)):
        for i,f in enumerate(['ideal','issue','busy','busiest','cycles','P']): tot[k][i]+=r[f]
    print('| %s | %.1f M | %.1f M | %d | %d | %d | %d | %d | %d | %d | %d | %d | %.2f | %.2f | %.2f |'%(l,d['P']/1e6,s['P']/1e6,s['ideal'],s['issue'],s['busy'],s['busiest'],s['cycles'],d['ideal'],d['issue'],d['busiest'],d['cycles'],d['ideal']/s['ideal'],d['busiest']/s['busiest'],d['cycles']/s['cycles']))
s=tot['S'];d=tot['D']
print('| CONV1-5 | %.1f M | %.1f M | %d | %d | %d | %d | %d | %d | %d | %d | %d | %.2f | %.2f | %.2f |'%(d[5]/1e6,s[5]/1e6,s[0],s[1],s[2],s[3],s[4],d[0],d[1],d[3],d[4],d[0]/s[0],d[3]/s[3],d[4]/s[4]))
print()
print('| layer | SCNN frag | SCNN xbar | SCNN imbalance | SCNN delivery | SCNN total/ideal | DCNN frag | DCNN imbalance | DCNN delivery | DCNN total/ideal |')
print('|'+'---|'*10)
for l in ['conv1','conv2','conv3','conv4','conv5','CONV1-5']:
    if l=='CONV1-5':
        s=dict(f_frag=tot['S'][1]/tot['S'][0],f_xbar=tot['S'][2]/tot['S'][1],f_imb=tot['S'][3]/tot['S'][2],f_deliv=tot['S'][4]/tot['S'][3],ideal=tot['S'][0],cycles=tot['S'][4])
        d=dict(f_frag=tot['D'][1]/tot['D'][0],f_xbar=1,f_imb=tot['D'][3]/tot['D'][2],f_deliv=tot['D'][4]/tot['D'][3],ideal=tot['D'][0],cycles=tot['D'][4])
    else: s=row(S[l]); d=row(D[l])
    print('| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |'%(l,s['f_frag'],s['f_xbar'],s['f_imb'],s['f_deliv'],s['cycles']/s['ideal'],d['f_frag'],d['f_imb'],d['f_deliv'],d['cycles']/d['ideal']))
