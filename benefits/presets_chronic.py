"""门诊慢特病 catalogue presets (RULES.md 3.5), one copy per pooling region, loaded with the
settlement parameters (benefits.services.policy.load_settlement_presets): (code, name, kind,
min level, max level, evidence, source, confirmed). Levels follow J003 §二(三)10 (chronic at
level 2 or below, special at level 2 or above); the validity (24 months) and the evidence
lists are not from the sources. Officers edit the catalogue in the admin (history kept)."""

DIAGNOSIS = "二级及以上医院出具的诊断证明、病历资料"
CATALOGUE = [
    # 两病 (RULES.md 3.3; N004 §八 names them for cross-province settlement): registered, not approved
    ("hypertension", "高血压", "two_diseases", None, None, "诊断证明或门诊病历", "N004 §八; X000 art. 17", True),
    ("diabetes", "糖尿病", "two_diseases", None, None, "诊断证明或门诊病历", "N004 §八; X000 art. 17", True),
    # special diseases (N004 §八): at the inpatient rates, level 2 or above (J003 §二(三)10)
    ("malignant_tumour", "恶性肿瘤门诊放化疗", "special", 2, None, f"{DIAGNOSIS}、病理报告、放化疗方案", "N004 §八; J003 §二(三)10", False),
    ("uraemia_dialysis", "尿毒症透析", "special", 2, None, f"{DIAGNOSIS}、肾功能检查报告", "N004 §八; J003 §二(三)10", False),
    ("transplant_anti_rejection", "器官移植抗排异治疗", "special", 2, None, f"{DIAGNOSIS}、移植手术记录", "N004 §八; J003 §二(三)10", False),
    # chronic diseases (S001 employee measures art. 8): 60%, annual cap, level 2 or below
    ("severe_mental_illness", "重性精神病维持治疗", "chronic", None, 2, f"{DIAGNOSIS}、精神专科诊断", "S001 art. 8 (employee measures); J003 §二(三)10", False),
    ("diabetes_insulin", "糖尿病胰岛素治疗", "chronic", None, 2, f"{DIAGNOSIS}、血糖检查报告", "S001 art. 8 (employee measures); J003 §二(三)10", False),
    ("tuberculosis", "结核病", "chronic", None, 2, f"{DIAGNOSIS}、痰检或影像报告", "S001 art. 8 (employee measures); J003 §二(三)10", False),
]
VALIDITY_MONTHS = 24  # not from the sources (the default)
