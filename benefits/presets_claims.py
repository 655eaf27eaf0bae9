"""The manual-claim deadline (手工报销申请期限) per pooling region, loaded with the settlement
presets (benefits.services.policy.load_settlement_presets) as PolicyParameter rows:
(region code, scheme, name, value, unit, source, confirmed).

`manual_claim_deadline_month` = N: care of a year is claimed by the last day of month N of the
next year (benefits.rules.claims). Only 吉林 gives the date; 咸宁 (X000) and 十堰 (S001 市级统筹
§三(三)2, which only says the county office handles manual claims) give none, so they follow
吉林 until an officer confirms their own: unconfirmed. 十堰's employee outpatient rules (S001
门诊共济细则 art. 21) also say "次年第一季度内", which points the same way.
"""

CLAIM_DEADLINE = "manual_claim_deadline_month"

CLAIM_PRESETS = [
    ("220000", "resident_basic", CLAIM_DEADLINE, "3", "月",
     "J003 §二(三)12：当年度医疗费用原则上于次年3月底前申请报销", True),
    ("421200", "resident_basic", CLAIM_DEADLINE, "3", "月",
     "X000 未规定申请期限，暂按 J003 §二(三)12 次年3月底前", False),
    ("420300", "resident_basic", CLAIM_DEADLINE, "3", "月",
     "S001 §三(三)2（十堰市级统筹实施方案）只规定由参保地经办机构办理、按季度汇总，未规定申请期限，暂按 J003 §二(三)12 次年3月底前；"
     "十堰职工门诊共济实施细则第二十一条同为次年第一季度内",
     False),
]
