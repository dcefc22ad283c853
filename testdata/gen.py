#!/usr/bin/env python3
"""gen.py - synthetic exports for anju, with the answers.

Makes platform exports (one per county), the poverty roster (person
layout, household layout or both) and a members file, all with the noise
that real Excel/WPS exports carry, plus injected faults, and writes into
OUT/truth/ what a careful analyst would conclude from them.  Deterministic:
the same arguments give the same bytes.  Python 3 standard library only.

Every name and ID number is synthetic: IDs are valid per GB 11643 and
start with a real county code, but are drawn at random.

See testdata/README.md for the files and their formats.
"""
import argparse
import csv
import datetime
import io
import json
import lzma
import math
import multiprocessing
import os
import random
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DIVISIONS = os.path.join(HERE, '..', 'data', 'divisions.csv.xz')

AS_OF = datetime.date(2020, 12, 31)
AS_OF_TEXT = AS_OF.isoformat()
AS_OF_ORD = AS_OF.toordinal()
EXCEL_EPOCH_ORD = datetime.date(1899, 12, 30).toordinal()

SAMPLE = dict(households=300, seed=20201231, prefix='2109',
              roster_layout='mixed', fault_rate=0.15)
DEFAULT_PROVINCES = ('13', '21', '22', '41', '43', '45', '52', '62')

class FastRandom(random.Random):
    """random.Random with one-call randint/randrange/choice: a million
    households make tens of millions of draws.  Still deterministic."""

    def randrange(self, a, b=None):
        if b is None:
            return int(self.random() * a)
        return a + int(self.random() * (b - a))

    def randint(self, a, b):
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


# --- ID numbers (GB 11643-1999) -------------------------------------------

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = '10X98765432'
PROVINCES = {'11', '12', '13', '14', '15', '21', '22', '23', '31', '32',
             '33', '34', '35', '36', '37', '41', '42', '43', '44', '45',
             '46', '50', '51', '52', '53', '54', '61', '62', '63', '64',
             '65', '71', '81', '82'}


def check_char(body17):
    """Check character of 17 digits."""
    return CHECK[sum(int(c) * w for c, w in zip(body17, WEIGHTS)) % 11]


def part_sum(digits, offset):
    """Weighted sum of DIGITS placed at OFFSET of the 17-digit body."""
    return sum(int(c) * WEIGHTS[offset + i] for i, c in enumerate(digits))


YEAR_ORD = {y: datetime.date(y, 1, 1).toordinal() for y in range(1900, 2030)}
SEQ_SUM = [part_sum('%03d' % i, 14) for i in range(1000)]


def birth_ok(id18):
    try:
        d = datetime.date(int(id18[6:10]), int(id18[10:12]),
                          int(id18[12:14]))
    except ValueError:
        return False
    return 1890 <= d.year and d <= AS_OF


def classify_id(clean):
    """(normalised id, state) of a cleaned ID text, as idcard.c does."""
    if clean == '':
        return '', 'empty'
    m = re.fullmatch(r'([1-9])(?:\.(\d*))?[Ee]\+?(\d{1,2})', clean)
    if m:
        digits = m.group(1) + (m.group(2) or '')
        exp = int(m.group(3))
        if exp not in (17, 14) or len(digits) > exp + 1:
            return clean[:39], 'malformed'
        if len(digits) < exp + 1:
            return digits, 'excel_sci'
        clean = digits
    n = len(clean)
    if n == 18:
        if not (clean[:17].isdigit() and clean[:17].isascii()
                and (clean[17].isdigit() or clean[17] == 'X')):
            return clean, 'malformed'
        if clean[:2] not in PROVINCES or not birth_ok(clean):
            return clean, 'malformed'
        if check_char(clean[:17]) == clean[17]:
            return clean, 'valid'
        if clean.endswith('000'):
            return clean, 'excel_000'
        return clean, 'bad_check'
    if n == 15 and clean.isdigit():
        body = clean[:6] + '19' + clean[6:]
        id18 = body + check_char(body)
        if id18[:2] not in PROVINCES or not birth_ok(id18):
            return id18, 'malformed'
        return id18, 'converted15'
    return clean[:39], 'malformed'


def excel_sci(id18):
    """How Excel shows an 18-digit number in a narrow General column."""
    frac = id18[1:6].rstrip('0')
    return id18[0] + ('.' + frac if frac else '') + 'E+17'


# --- people ----------------------------------------------------------------

SURNAMES = ('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田'
            '董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白'
            '邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤包佟')
SURNAME_CUM = []
_acc = 0.0
for _i in range(len(SURNAMES)):
    _acc += 1.0 / (_i + 6)
    SURNAME_CUM.append(_acc)
MALE = ('伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国'
        '胜学祥才发武新利清飞彬富顺信杰涛昌成康星光天达安岩中茂进林有坚和彪博诚'
        '先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦奇固翰朗'
        '伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士建家致树德行时泰盛雄钧冠策腾')
FEMALE = ('秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲'
          '真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璐娅琦晶妍茜秋珊莎锦'
          '青倩婷姣婉娴瑾颖露瑶怡婵雁蓓仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨韵艺卿聪澜'
          '纯悦昭冰爽琬茗羽希欣滢馥筠柔竹凝晓欢枫芸菲寒伊亚宜可舒影荔思丽')
MONGOL = ('巴特尔', '乌力吉', '额尔敦', '那仁', '宝音', '朝鲁', '孟和', '阿拉坦',
          '其木格', '乌云', '萨仁', '图雅', '斯琴', '格日勒')
DOT_FIRST_M = ('阿不都', '买买提', '艾力', '吐尔逊', '热合曼', '努尔', '伊力',
               '阿卜杜拉', '玉素甫', '库尔班')
DOT_FIRST_F = ('阿依古丽', '古丽娜尔', '热依拉', '帕提古丽', '再努尔', '米热古丽')
DOT_LAST = ('买买提', '艾合买提', '吐尔洪', '热西提', '阿不力孜', '依明', '沙吾提',
            '卡德尔', '斯拉木')
DOTS = ('·', '•', '・', '‧', '･')

# Household shapes by size: relations after 户主 (s = the head's child).
SIZE_CUM = (15, 45, 67, 84, 93, 98, 100)


class Person:
    """One member of a roster household; relation is canonical."""
    __slots__ = ('name', 'id', 'relation', 'male')

    def __init__(self, name, id18, relation, male):
        self.name, self.id, self.relation, self.male = (name, id18,
                                                        relation, male)


# --- divisions -------------------------------------------------------------

# Every village name of a county, to make sure a D05 name matches none.
COUNTY_VILLAGE_NAMES = {}
VILLAGE_RE = re.compile(r'(.+?)(村村民委员会|村村委会|村民委员会|村委会)')


class Village:
    """A real village of the division table, with the roster layout and
    the number of households the run puts in it."""
    __slots__ = ('county_code', 'county_name', 'town_code', 'town_name',
                 'code', 'stem', 'layout', 'households')

    def __init__(self, county_code, county_name, town_code, town_name, code,
                 stem):
        self.county_code, self.county_name = county_code, county_name
        self.town_code, self.town_name = town_code, town_name
        self.code, self.stem = code, stem
        self.layout = 'person'
        self.households = 0

    @property
    def name(self):
        return self.stem + '村'


BARE_SUFFIX_RE = re.compile(
    r'(村村民委员会|村村委会|村民委员会|村委会|嘎查村民委员会|嘎查委员会|嘎查|'
    r'委员会|村)$')


def bare_stem(name):
    """A village name without a trailing note in brackets and without
    its suffixes: what every spelling of that village has in common."""
    name = re.sub(r'[（(][^（()）]*[）)]$', '', name)
    while True:
        cut = BARE_SUFFIX_RE.sub('', name)
        if cut == name or not cut:
            return name
        name = cut


def load_divisions(path, prefixes):
    """Counties (code, name, [Village]) under PREFIXES whose names resolve
    unambiguously: county name unique in China, township name unique in
    its county, village stem unique in its township, a rural 村委会."""
    county_names, name_count, towns, villages = {}, {}, {}, {}
    with lzma.open(path, 'rt', encoding='utf-8') as f:
        next(f)
        for line in f:
            code, _, name = line.rstrip('\n').partition(',')
            n = len(code)
            if n == 6:
                county_names[code] = name
                name_count[name] = name_count.get(name, 0) + 1
            elif not code.startswith(prefixes):
                continue
            elif n == 9:
                towns.setdefault(code[:6], []).append((code, name))
            elif n == 12:
                villages.setdefault(code[:9], []).append((code, name))
    for tcode, vlist in villages.items():
        COUNTY_VILLAGE_NAMES.setdefault(tcode[:6], []).extend(
            n for _, n in vlist)
    counties = []
    for ccode in sorted(county_names):
        cname = county_names[ccode]
        # A prefix may be a province, city, county or township code.
        inside = ccode.startswith(prefixes) or any(
            p.startswith(ccode) for p in prefixes)
        if not inside or name_count[cname] != 1:
            continue
        ctowns = sorted(towns.get(ccode, ()))
        tnames = {}
        for _, tname in ctowns:
            tnames[tname] = tnames.get(tname, 0) + 1
        vs = []
        for t, tname in ctowns:
            if tnames[tname] != 1:
                continue
            # How many villages of the township any spelling could name:
            # 东周村村民委员会 and 东周村村民委员会（天河）, 哈沙图村委会 and
            # 哈沙图嘎查 share a stem, so neither is unambiguous.
            bare = {}
            for _, vname in villages.get(t, ()):
                key = bare_stem(vname)
                bare[key] = bare.get(key, 0) + 1
            stems = {}
            for vcode, vname in villages.get(t, ()):
                if bare[bare_stem(vname)] != 1:
                    continue
                m = VILLAGE_RE.fullmatch(vname)
                if not m or '社区' in vname or '居委' in vname:
                    continue
                stem = m.group(1)
                if len(stem) < 2 or stem.endswith('村'):
                    continue
                stems.setdefault(stem, []).append(vcode)
            for stem, codes in stems.items():
                if len(codes) == 1:
                    vs.append(Village(ccode, cname, t, tname, codes[0],
                                      stem))
        if vs:
            vs.sort(key=lambda v: v.code)
            counties.append((ccode, cname, vs))
    return counties


def choose_villages(rng, counties, households):
    """Spread HOUSEHOLDS over real villages, 40-80 a village, a few dozen
    to 150 villages a county.  Returns {county_code: [Village]} sorted."""
    want = max(1, round(households / 60))
    per_county = min(150, max(2, round(math.sqrt(want) * 0.8)))
    order = list(counties)
    rng.shuffle(order)
    chosen = []
    for _, _, vs in order:
        if len(chosen) >= want:
            break
        take = min(per_county, len(vs))
        chosen.extend(rng.sample(vs, take))
    if not chosen:
        sys.exit('gen.py: no village under that prefix')
    weights = [rng.uniform(40, 80) for _ in chosen]
    total = sum(weights)
    counts = [int(households * w / total) for w in weights]
    for i in range(households - sum(counts)):
        counts[i % len(counts)] += 1
    bycounty = {}
    for v, n in zip(chosen, counts):
        if n > 0:
            v.households = n
            bycounty.setdefault(v.county_code, []).append(v)
    for vs in bycounty.values():
        vs.sort(key=lambda v: v.code)
    return dict(sorted(bycounty.items()))


# --- value spellings --------------------------------------------------------

GRADE = {'A': ('A', 'A级', 'a', 'Ａ', 'Ａ级', 'a级'),
         'B': ('B', 'B级', 'b', 'Ｂ', 'Ｂ级', 'b级'),
         'C': ('C', 'C级', 'c', 'Ｃ级', 'C级危房', '局部危险'),
         'D': ('D', 'D级', 'd', 'Ｄ级', 'D级危房', '整栋危险')}
HTYPE = {'建档立卡贫困户': ('建档立卡贫困户', '建档立卡户', '建档立卡', '贫困户'),
         '低保户': ('低保户', '低保'),
         '农村分散供养特困人员': ('农村分散供养特困人员', '分散供养特困户',
                        '五保户', '特困户', '特困供养'),
         '贫困残疾人家庭': ('贫困残疾人家庭', '残疾人家庭'),
         '其他': ('其他',)}
RENO = {'修缮加固': ('修缮加固', '加固', '维修加固'),
        '原址翻建': ('原址翻建', '翻建'),
        '拆除重建': ('拆除重建', '重建'),
        '异地非集中新建': ('异地非集中新建',),
        '异地相对集中新建': ('异地相对集中新建',),
        '异地新建': ('异地新建',),
        '房屋置换': ('房屋置换', '置换')}
RESULT = {'pass': ('合格', '通过', '验收合格', '已验收'),
          'fail': ('不合格', '未通过', '验收不合格')}
VERIFIED = {1: ('是', '有保障', '已保障', 'Y'), 0: ('否', '无保障', '未保障', 'N')}
TOILET = {1: ('是', '已改', '有'), 0: ('否', '未改', '无')}
POV_STATUS = {'未脱贫': ('未脱贫', '0'),
              '已脱贫': ('已脱贫', '1', '已脱贫(享受政策)', '已脱贫（享受政策）'),
              '返贫': ('返贫', '3'),
              '已脱贫(不再享受政策)': ('已脱贫(不再享受政策)', '4')}
RELATION_SPELL = {'户主': ('户主', '本人'), '之子': ('之子', '儿子'),
                  '之女': ('之女', '女儿')}
CATEGORY = {'鉴定安全': '鉴定安全', '改造安全': '改造安全', '保障安全': '保障安全',
            '易地扶贫搬迁': '改造安全', '生态移民': '改造安全', '避险搬迁': '改造安全',
            '集体公租房': '保障安全', '幸福大院': '保障安全', '租赁闲置农房': '保障安全',
            '投亲靠友': '保障安全'}
COUNTY_SHORT = {'阜新蒙古族自治县': ('阜蒙县', '阜新县')}
VILLAGE_SUFFIX = ('村', '村委会', '村民委员会', '村村委会')
BAD_DATES = ('2020-02-30', '2020/13/5', '20201345', '2019.4.31', '2020年2月30日')
BAD_GRADES = ('E', 'E级', '五级', 'Ｅ级')
BAD_TYPES = ('边缘户', '脱贫不稳定户', '监测户')
OTHER_TYPES = ('低保户', '农村分散供养特困人员', '贫困残疾人家庭', '其他')

FULLWIDTH = str.maketrans('0123456789X', '０１２３４５６７８９Ｘ')
SPACES = ('\u00a0', '\u3000', ' ', '\u00a0\u00a0')

# Status order of SPEC 6: the best first.
STATUS_ORDER = ('鉴定安全', '改造安全', '保障安全', '改造中', '未保障', '无记录', '待核实')

# --- columns -----------------------------------------------------------------

PLATFORM_ALIASES = [
    ('record_id', ('档案编号', '农户档案编号', '编号')),
    ('county', ('县(市、区)', '县（市、区）', '县(市、区、旗)', '县区', '区县', '县')),
    ('township', ('乡(镇)', '乡（镇）', '乡镇', '镇')),
    ('village', ('村', '行政村', '村委会')),
    ('village_code', ('行政区划代码', '区划代码', '村代码')),
    ('head_name', ('户主姓名', '户主', '姓名')),
    ('head_id', ('户主身份证号', '身份证号', '身份证号码', '证件号码')),
    ('household_size', ('家庭人口', '家庭人口数', '人口数')),
    ('household_type', ('农户类型', '贫困户类型', '农户贫困类型', '对象类型')),
    ('safety_grade', ('房屋危险性鉴定等级', '鉴定等级', '危房等级', '房屋等级')),
    ('appraisal_date', ('鉴定日期', '评定日期')),
    ('renovation_type', ('改造方式',)),
    ('build_mode', ('建设方式',)),
    ('area_m2', ('改造面积', '改造面积(㎡)', '建筑面积')),
    ('subsidy_yuan', ('补助资金', '补助资金(元)', '补助金额')),
    ('start_date', ('开工日期', '开工时间')),
    ('completion_date', ('竣工日期', '竣工时间')),
    ('acceptance_date', ('验收日期', '验收时间')),
    ('acceptance_result', ('验收结果', '验收情况')),
    ('safety_means', ('住房安全保障方式', '保障方式', '核验类型')),
    ('verified', ('核验结果', '是否有保障', '住房安全是否有保障')),
    ('photos_materials', ('备料到户照片',)),
    ('photos_training', ('技术培训照片',)),
    ('photos_foundation', ('基础验收照片',)),
    ('photos_completion', ('竣工照片',)),
    ('toilet', ('户厕改造', '是否改厕')),
    ('plan_year', ('年度', '计划年度', '列入计划的年度')),
]
OPTIONAL_PLATFORM = {'record_id': 0.15, 'village_code': 0.6, 'toilet': 0.3,
                     'plan_year': 0.2}
ROSTER_HH_ALIASES = [
    ('household_id', ('户编号', '家庭编号')),
    ('county', ('县(市、区)', '县（市、区）', '县区', '区县', '县')),
    ('township', ('乡(镇)', '乡（镇）', '乡镇', '镇')),
    ('village', ('村', '行政村', '村委会')),
    ('village_code', ('行政区划代码', '区划代码', '村代码')),
    ('head_name', ('户主姓名', '户主')),
    ('head_id', ('户主证件号码', '户主身份证号', '证件号码', '身份证号')),
    ('household_size', ('家庭人口数', '人口数', '家庭人口', '人数')),
    ('poverty_attr', ('贫困户属性',)),
    ('poverty_status', ('脱贫状态', '贫困户状态', '脱贫标志')),
]
ROSTER_PERSON_ALIASES = [
    ('household_id', ('户编号', '家庭编号')),
    ('person_id', ('人编号',)),
    ('county', ('县(市、区)', '县（市、区）', '县区', '区县', '县')),
    ('township', ('乡(镇)', '乡（镇）', '乡镇', '镇')),
    ('village', ('村', '行政村', '村委会')),
    ('village_code', ('行政区划代码', '区划代码', '村代码')),
    ('name', ('姓名',)),
    ('id', ('证件号码', '身份证号')),
    ('relation', ('与户主关系',)),
    ('household_size', ('家庭人口数', '人口数', '家庭人口', '人数')),
    ('poverty_attr', ('贫困户属性',)),
    ('poverty_status', ('脱贫状态', '贫困户状态', '脱贫标志')),
]
MEMBERS_ALIASES = [
    ('household_id', ('户编号', '家庭编号')),
    ('name', ('姓名', '成员姓名')),
    ('id', ('证件号码', '身份证号')),
    ('relation', ('与户主关系',)),
]
OPTIONAL_ROSTER = {'village_code': 0.6}

TRUTH_PLATFORM = ('file', 'line', 'record_id', 'county_code', 'township_code',
                  'village_code', 'head_name', 'head_id', 'head_id_state',
                  'household_size', 'household_type', 'safety_grade',
                  'appraisal_date', 'renovation_type', 'build_mode', 'area_m2',
                  'subsidy_yuan', 'start_date', 'completion_date',
                  'acceptance_date', 'acceptance_result', 'safety_means',
                  'safety_category', 'verified', 'photos_materials',
                  'photos_training', 'photos_foundation', 'photos_completion',
                  'toilet', 'plan_year')
TRUTH_ROSTER = ('file', 'line', 'household_id', 'county_code', 'township_code',
                'village_code', 'head_name', 'head_id', 'head_id_state',
                'household_size', 'poverty_attr', 'poverty_status')
TRUTH_MEMBERS = ('file', 'line', 'household_id', 'name', 'id', 'id_state',
                 'relation')

# Fault kinds, dealt round-robin from a shuffled deck so every kind shows up.
FAULTS = ('M01', 'M02', 'M03', 'M03H', 'M04', 'M05', 'M06', 'M07', 'M08S',
          'M08W', 'M08Z', 'M08E', 'M08F', 'M08R', 'M09', 'M10', 'V01',
          'V01V07', 'V02', 'V03', 'V04', 'V05', 'V06', 'V07', 'V08', 'V09',
          'D01', 'D02', 'D03Z', 'D03E', 'D04', 'D05', 'D06', 'D07', 'D08G',
          'D08T', 'D09', 'REJ')


def iso(ordinal):
    """YYYY-MM-DD of a date ordinal, '' for None."""
    return datetime.date.fromordinal(ordinal).isoformat() if ordinal else ''


def money(v):
    """Workspace text of a REAL: two decimals, '' for NULL."""
    return '' if v is None else '%.2f' % v


def intx(v):
    """Workspace text of an INTEGER, '' for NULL."""
    return '' if v is None else str(v)


# --- the generator -----------------------------------------------------------


class Gen:
    """The run's settings, random generators and per-part outputs, and
    the makers of people and record contents."""

    def __init__(self, args):
        # Generation draws (households, records, faults) come from rng and
        # are the same in both parts; each part's rendering has its own
        # generator so the two parts can run in parallel and still agree.
        self.rng = FastRandom(args.seed)
        self.rng_p = self.rng_r = None
        self.enc_rng = FastRandom('%d/encodings' % args.seed)
        self.enc_seq = []
        self.part = None
        self.args = args
        self.noisy = not args.clean
        # Noise probabilities; the sample turns them up to show every quirk.
        k = 2.0 if args.sample else 1.0
        self.p = {'idfw': 0.04 * k, 'apos': 0.04 * k, 'lowx': 0.4,
                  'space': 0.02 * k, 'zw': 0.01 * k, 'namesp': 0.03 * k,
                  'sizefw': 0.04 * k, 'remark': 0.03 * k, 'multi': 0.15}
        self.date_cache = {}
        self.findings = None   # csv writers, opened by Writers
        self.status = None
        self.accounting = []   # (file, read, kept, rejected)
        self.rejects = []      # (file, line)
        self.decks = {}

    # -- random helpers --

    def deal(self, deck, items, rng=None):
        """Next item of a shuffled deck (every item once per round),
        shuffled by RNG (default the generation one)."""
        rng = rng or self.rng
        key = (deck, id(rng))
        d = self.decks.get(key)
        if not d:
            d = list(items)
            rng.shuffle(d)
            self.decks[key] = d
        return d.pop()

    def encoding(self, index):
        """Encoding of the INDEX-th file (roster files 0-2, then the
        platform files): one deck for all so every encoding shows up."""
        while len(self.enc_seq) <= index:
            d = ['utf-8', 'utf-8-sig', 'gb18030', 'utf-16']
            self.enc_rng.shuffle(d)
            self.enc_seq += d
        return self.enc_seq[index]

    def day(self, lo, hi):
        """Random ordinal in [lo, hi] (date objects)."""
        return self.rng.randint(lo.toordinal(), hi.toordinal())

    # -- people --

    def surname(self):
        r = self.rng.random() * SURNAME_CUM[-1]
        lo, hi = 0, len(SURNAME_CUM) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if SURNAME_CUM[mid] < r:
                lo = mid + 1
            else:
                hi = mid
        return SURNAMES[lo]

    def given(self, male):
        pool = MALE if male else FEMALE
        rng = self.rng
        return pool[rng.randrange(len(pool))] + pool[rng.randrange(len(pool))]

    def person_name(self, male, surname=None):
        r = self.rng.random()
        if surname is None and r < 0.015:
            first = DOT_FIRST_M if male else DOT_FIRST_F
            return self.rng.choice(first) + '·' + self.rng.choice(DOT_LAST)
        if surname is None and r < 0.025:
            return self.rng.choice(MONGOL)
        return (surname or self.surname()) + self.given(male)

    def head_name(self, ctx, male):
        """A head name not yet used in the county (so no accidental M09)."""
        for _ in range(50):
            n = self.person_name(male)
            if n not in ctx.names:
                ctx.names.add(n)
                return n
        while True:
            n = self.surname() + self.given(male) + self.rng.choice(MALE)
            if n not in ctx.names:
                ctx.names.add(n)
                return n

    def new_id(self, ctx, year, male):
        """A fresh valid ID of the county, born in YEAR."""
        rng = self.rng
        while True:
            o = YEAR_ORD[year] + rng.randrange(365)
            b = self.date_cache.get(o)
            if b is None:
                b = datetime.date.fromordinal(o).strftime('%Y%m%d')
                b = (b, part_sum(b, 6))
                self.date_cache[o] = b
            seq = rng.randrange(1000)
            if (seq & 1) != male:
                seq ^= 1
            s = '%03d' % seq
            body = ctx.code + b[0] + s
            if body in ctx.ids:
                continue
            ctx.ids.add(body)
            total = ctx.code_sum + b[1] + SEQ_SUM[seq]
            return body + CHECK[total % 11]

    def household(self, ctx, min_size=1):
        """Members of a new household, the head first."""
        rng = self.rng
        r = rng.randrange(100)
        size = 1 + next(i for i, c in enumerate(SIZE_CUM) if r < c)
        size = max(size, min_size)
        male = rng.random() < 0.85
        three_gen = size >= 5
        hy = rng.randint(1935, 1955) if three_gen else rng.randint(1940, 1975)
        head = Person(self.head_name(ctx, male), self.new_id(ctx, hy, male),
                      '户主', male)
        people = [head]
        sur = head.name[0] if '·' not in head.name and len(head.name) == 3 \
            else None
        rels = []
        if size == 2 and rng.random() < 0.3:
            rels = ['child']
        elif size >= 2:
            rels = ['spouse'] + ['child'] * min(size - 1, 2)
            rels = rels[:size - 1] if size <= 4 else rels[:2]
        if size >= 5:
            rels += ['inlaw', 'grandchild'] + ['grandchild'] * (size - 5)
            rels = rels[:size - 1]
            if size == 7:
                rels[-1] = 'child'
        child_year = None
        for rel in rels:
            if rel == 'spouse':
                m = not male
                y = min(2000, max(1930, hy + rng.randint(-5, 5)))
                p = Person(self.person_name(m), self.new_id(ctx, y, m),
                           '配偶', m)
            elif rel == 'child':
                m = rng.random() < 0.5
                hi = min(hy + (25 if three_gen else 35), 2000)
                y = rng.randint(hy + 20, max(hy + 20, hi))
                child_year = child_year or y
                p = Person(self.person_name(m, sur), self.new_id(ctx, y, m),
                           '之子' if m else '之女', m)
            elif rel == 'inlaw':
                # The first child's spouse.
                first = people[1] if people[1].relation in ('之子', '之女') \
                    else people[2]
                m = not first.male
                y = min(2000, (child_year or hy + 22) + rng.randint(-3, 3))
                p = Person(self.person_name(m), self.new_id(ctx, y, m),
                           '之女婿' if m else '之儿媳', m)
            else:
                m = rng.random() < 0.5
                cy = child_year or hy + 22
                y = rng.randint(min(cy + 20, 2000), min(cy + 30, 2000))
                p = Person(self.person_name(m, sur), self.new_id(ctx, y, m),
                           '之孙子' if m else '之孙女', m)
            people.append(p)
        return people

    # -- platform record contents --

    def base_record(self, village, name, id18, size, htype):
        return {'v': village, 'name': name, 'id': id18, 'size': size,
                'type': htype, 'grade': None, 'appraisal': None, 'ren': None,
                'mode': None, 'area': None, 'subsidy': None, 'start': None,
                'completion': None, 'acc_date': None, 'result': None,
                'means': None, 'verified': None, 'photos': [None] * 4,
                'toilet': None, 'year': None, 'rid': None, 'raw': {},
                'exp': {}, 'dup': False, 'ragged': False}

    def appraised(self, rec):
        rng = self.rng
        rec['grade'] = rng.choice('AB')
        rec['appraisal'] = self.day(datetime.date(2019, 3, 1),
                                    datetime.date(2020, 11, 30))
        rec['means'] = '鉴定安全' if rng.random() < 0.9 else None
        rec['verified'] = 1
        return '鉴定安全'

    def renovation(self, rec, start, completion=None, acc=None,
                   result=None):
        """Fill a renovation of REC starting on ordinal START."""
        rng = self.rng
        rec['grade'] = rng.choice('CD')
        rec['appraisal'] = start - rng.randint(10, 120)
        r = rng.random()
        ren = ('修缮加固' if r < 0.5 else '原址翻建' if r < 0.7 else
               '拆除重建' if r < 0.85 else
               rng.choice(('异地非集中新建', '异地相对集中新建', '异地新建'))
               if r < 0.95 else '房屋置换')
        rec['ren'] = ren
        rec['mode'] = rng.choice(('自建', '自建', '统建', '代建', '帮建'))
        size = rec['size']
        limit = 60 if size <= 2 else 18 * size
        rec['area'] = rng.randint(50, min(limit, 120) * 2) / 2
        if ren == '修缮加固':
            rec['area'] = rng.randint(40, min(limit, 100) * 2) / 2
            rec['subsidy'] = rng.randint(6, 40) * 500
        else:
            rec['subsidy'] = rng.randint(12, 45) * 1000
        rec['start'] = start
        rec['completion'] = completion
        rec['acc_date'] = acc
        rec['result'] = result
        rec['year'] = datetime.date.fromordinal(start).year
        rec['toilet'] = rng.choice((0, 1, 1))
        ph = [rng.randint(1, 6), rng.randint(1, 4)]
        if completion:
            ph += [rng.randint(1, 6), rng.randint(1, 6)]
        else:
            ph += [rng.choice((None, rng.randint(1, 4))), None]
        rec['photos'] = ph

    def renovated(self, rec):
        """A complete renovation, accepted as passed."""
        rng = self.rng
        start = self.day(datetime.date(2019, 4, 1), datetime.date(2020, 6, 30))
        comp = start + rng.randint(30, 120)
        self.renovation(rec, start, comp, comp + rng.randint(5, 40), 'pass')
        rec['means'] = '改造安全'
        rec['verified'] = 1
        return '改造安全'

    def clean_record(self, rec):
        """Contents of a record with no finding; returns its status."""
        rng = self.rng
        r = rng.random()
        if r < 0.55:
            return self.appraised(rec)
        if r < 0.85:
            return self.renovated(rec)
        if r < 0.90:
            rec['grade'] = 'D'
            rec['appraisal'] = self.day(datetime.date(2018, 3, 1),
                                        datetime.date(2020, 6, 30))
            rec['means'] = rng.choice(('易地扶贫搬迁', '生态移民', '避险搬迁'))
            rec['verified'] = 1
            return '改造安全'
        if r < 0.95:
            rec['grade'] = rng.choice('CD')
            rec['appraisal'] = self.day(datetime.date(2018, 3, 1),
                                        datetime.date(2020, 6, 30))
            rec['means'] = rng.choice(('集体公租房', '幸福大院', '租赁闲置农房',
                                       '投亲靠友'))
            rec['verified'] = 1
            return '保障安全'
        if r < 0.98:
            self.in_progress(rec)
        else:
            self.completed_recently(rec)
        return '改造中'

    def in_progress(self, rec, verified=None):
        """Started less than the 90-day deadline ago: not yet a V02."""
        start = self.day(datetime.date(2020, 10, 10), datetime.date(2020, 12, 20))
        self.renovation(rec, start)
        rec['verified'] = verified if verified is not None else \
            self.rng.choice((None, 0))

    def completed_recently(self, rec):
        comp = self.day(datetime.date(2020, 12, 3), datetime.date(2020, 12, 28))
        self.renovation(rec, comp - self.rng.randint(30, 150), comp)
        rec['verified'] = self.rng.choice((None, 0))

    # -- faults on a matched household's record --

    def fault_record(self, kind, rec):
        """Make REC show the V fault KIND; returns (status, codes)."""
        rng = self.rng
        if kind in ('V01', 'V01V07'):
            rec['grade'] = rng.choice('CD')
            rec['appraisal'] = self.day(datetime.date(2019, 3, 1),
                                        datetime.date(2020, 10, 31))
            rec['verified'] = 1 if kind == 'V01V07' else rng.choice((None, 0))
            return '未保障', (['V01', 'V07'] if kind == 'V01V07' else ['V01'])
        if kind == 'V02':
            start = self.day(datetime.date(2020, 3, 1), datetime.date(2020, 9, 15))
            self.renovation(rec, start)
            rec['verified'] = rng.choice((None, 0))
            return '改造中', ['V02']
        if kind == 'V03':
            comp = self.day(datetime.date(2020, 5, 1), datetime.date(2020, 11, 10))
            self.renovation(rec, comp - rng.randint(30, 150), comp)
            rec['verified'] = rng.choice((None, 0))
            return '改造中', ['V03']
        if kind == 'V04':
            self.renovated(rec)
            rec['result'] = 'fail'
            rec['means'] = None
            rec['verified'] = rng.choice((None, 0))
            return '未保障', ['V04']
        if kind == 'V05':
            self.renovated(rec)
            how = rng.randrange(3)
            if how == 0:    # completion before start
                rec['start'], rec['completion'] = (rec['completion'],
                                                   rec['start'])
                rec['year'] = datetime.date.fromordinal(rec['start']).year
            elif how == 1:  # appraised after the works started
                rec['appraisal'] = rec['start'] + rng.randint(5, 20)
            else:           # accepted before completion
                rec['acc_date'] = rec['completion'] - rng.randint(3, 20)
            return '改造安全', ['V05']
        if kind == 'V06':
            rec['verified'] = None
            return '待核实', ['V06']
        if kind == 'V07':
            self.in_progress(rec, verified=1)
            return '改造中', ['V07']
        if kind == 'V08':
            self.renovated(rec)
            i = rng.randrange(4)
            rec['photos'][i] = 0
            if rng.random() < 0.5:
                rec['raw']['photos%d' % i] = '无'
            return '改造安全', ['V08']
        if kind == 'V09':
            self.renovated(rec)
            how = rng.randrange(3)
            if how == 0:
                rec['subsidy'] = None
            elif how == 1:
                if rec['ren'] == '修缮加固':
                    rec['subsidy'] = rng.choice((500, 25000, 30000))
                else:
                    rec['subsidy'] = rng.choice((5000, 60000, 80000))
            else:
                size = rec['size']
                limit = 60 if size <= 2 else 18 * size
                rec['area'] = limit + rng.randint(4, 40)
            return '改造安全', ['V09']
        raise AssertionError(kind)


class County:
    """Per-county state: used IDs and head names, the platform records."""

    def __init__(self, code, villages):
        self.code = code
        self.code_sum = part_sum(code, 0)
        self.villages = villages
        self.ids = set()
        self.names = set()
        self.records = []
        self.township_serial = {}


# --- damage ---------------------------------------------------------------------


def damage(rng, id18, how):
    """Raw text of ID18 damaged by HOW, or None when HOW cannot apply."""
    if how == 'sub':
        i = rng.choice((14, 15, 16, 17))
        d = rng.choice([c for c in '0123456789' if c != id18[i]])
        bad = id18[:i] + d + id18[i + 1:]
    elif how == 'swap':
        pairs = [(i, i + 1) for i in (14, 15, 16)
                 if id18[i] != id18[i + 1] and id18[i + 1] != 'X']
        if not pairs:
            return None
        i, j = rng.choice(pairs)
        bad = id18[:i] + id18[j] + id18[i] + id18[j + 1:]
    elif how == 'z000':
        bad = id18[:15] + '000'
        if id18.endswith('000'):
            return None
    elif how == 'sci':
        return excel_sci(id18)
    elif how == 'f15':
        return id18[:6] + id18[8:17]
    elif how == 'check':
        bad = id18[:17] + rng.choice([c for c in '0123456789X'
                                      if c != id18[17]])
    else:
        raise AssertionError(how)
    want = {'sub': 'bad_check', 'swap': 'bad_check', 'check': 'bad_check',
            'z000': 'excel_000'}[how]
    return bad if classify_id(bad)[1] == want else None


def malformed(rng, id18):
    """Raw text of a malformed ID (D02) made from ID18."""
    how = rng.randrange(5)
    if how == 0:
        return id18[:10] + id18[11:]                      # length 17
    if how == 1:
        return id18[:14] + rng.choice('0123456789') + id18[14:]  # 19
    if how == 2:
        body = id18[:10] + '13' + id18[12:17]             # month 13
        return body + check_char(body)
    if how == 3:
        body = id18[:6] + '2022' + id18[10:17]            # born after as-of
        return body + check_char(body)
    return id18[:9] + 'O' + id18[10:]                     # letter O for 0


# --- writing --------------------------------------------------------------------


class Style:
    """How one export file looks: encoding, delimiter, line ends, header."""

    def __init__(self, gen, rng, index, aliases, optional):
        self.rng = rng
        self.clean = not gen.noisy
        if self.clean:
            self.encoding, self.delim, self.nl = 'utf-8', ',', '\n'
            self.title = self.blanks = 0
            self.total = self.total_blank = False
            self.serial = self.remark = False
            self.date_form = 0
        else:
            self.encoding = gen.encoding(index)
            if self.encoding == 'utf-16':
                self.delim, self.nl = '\t', '\r\n'
            else:
                self.delim = gen.deal('delim', (',', ',', '\t'), rng)
                self.nl = gen.deal('nl', ('\r\n', '\n'), rng)
            self.title = gen.deal('title', (0, 1, 1), rng)
            self.blanks = gen.deal('blanks', (0, 1, 2), rng)
            self.total = gen.deal('total', (False, True), rng)
            self.total_blank = self.total and rng.random() < 0.3
            self.serial = gen.deal('serial', (False, True), rng)
            self.remark = gen.deal('remark', (False, True), rng)
            self.date_form = rng.randrange(7)
        fields = []
        for field, names in aliases:
            if field in optional and rng.random() < optional[field]:
                continue
            fields.append((field, names[0] if self.clean else
                           rng.choice(names)))
        if not self.clean:
            rng.shuffle(fields)
            # Keep the key columns mostly in front, as exports do.
            if rng.random() < 0.5:
                fields.sort(key=lambda f: f[0] not in ('household_id',
                                                       'record_id'))
        if self.serial:
            fields.insert(0, ('序号', '序号'))
        if self.remark:
            fields.append(('备注', '备注'))
        self.fields = [f for f, _ in fields]
        self.header = [h for _, h in fields]
        self.remark_at = len(fields) - 1


class Out:
    """One export file being written, counting physical lines."""

    def __init__(self, gen, path, style, title):
        self.gen, self.path, self.style = gen, path, style
        self.name = os.path.basename(path)
        enc = 'utf-16-le' if style.encoding == 'utf-16' else style.encoding
        self.f = open(path, 'w', encoding=enc, newline='')
        if style.encoding == 'utf-16':
            self.f.write('\ufeff')
        self.w = csv.writer(self.f, delimiter=style.delim,
                            lineterminator=style.nl)
        self.line = 1
        if style.title:
            self.w.writerow([title])
            self.line += 1
        for _ in range(style.blanks):
            self.f.write(style.nl)
            self.line += 1
        self.w.writerow(style.header)
        self.line += 1
        self.read = self.rejected = 0
        self.serial = 0

    def row(self, values, reject=False, copy=False):
        """Write a data row (dict field -> raw text); returns its line.
        COPY repeats the previous row's 序号 too (an exact duplicate)."""
        st = self.style
        if not copy:
            self.serial += 1
        if st.serial:
            values['序号'] = str(self.serial)
        out = [values.get(f, '') for f in st.fields]
        if reject:
            out = out[:-2] if len(out) > 4 and st.rng.random() < 0.5 \
                else out + ['多余']
        self.w.writerow(out)
        start = self.line
        # Only the 备注 column ever holds a line break.
        self.line += 1 + (out[st.remark_at].count('\n')
                          if st.remark and st.remark_at < len(out) else 0)
        self.read += 1
        if reject:
            self.rejected += 1
            self.gen.rejects.append((self.name, start))
        return start

    def close(self, size_field):
        """Add the 合计 line if the style has one (the row count under
        SIZE_FIELD), close, and record the file's accounting."""
        st = self.style
        if st.total:
            if st.total_blank:
                self.f.write(st.nl)
                self.line += 1
            vals = [''] * len(st.fields)
            vals[0] = '合计'
            if size_field in st.fields[1:]:
                vals[st.fields.index(size_field)] = str(self.serial)
            self.w.writerow(vals)
            self.gen.rejects.append((self.name, self.line))
            self.read += 1
            self.rejected += 1
            self.line += 1
        self.f.close()
        self.gen.accounting.append((self.name, self.read,
                                    self.read - self.rejected, self.rejected))


class Noise:
    """Raw spellings of canonical values, noisy unless --clean."""

    def __init__(self, gen, rng):
        self.gen, self.rng, self.p = gen, rng, gen.p
        self.enabled = gen.noisy
        self.on = False
        # Share of rows that get per-value noise; the others keep the
        # file's own date form and the canonical spellings.  Cheap rows
        # keep a million households fast.
        self.row_p = 1.0 if gen.args.sample else 0.3

    def row(self):
        """Decide whether the next row gets per-value noise."""
        self.on = self.enabled and self.rng.random() < self.row_p

    def pad(self, s):
        if self.on and s and self.rng.random() < self.p['space']:
            rng = self.rng
            return rng.choice(SPACES) + s + rng.choice(('', '\u00a0', '\u3000'))
        return s

    def pick(self, table, value):
        if value is None:
            return ''
        if not self.on:
            return table[value][0]
        return self.pad(self.rng.choice(table[value]))

    def ident(self, id18):
        if not self.on:
            return id18
        rng, p = self.rng, self.p
        s = id18
        if s[-1] == 'X' and rng.random() < p['lowx']:
            s = s[:-1] + 'x'
        r = rng.random()
        if r < p['idfw']:
            s = s.translate(FULLWIDTH)
        elif r < p['idfw'] + p['apos']:
            s = "'" + s
        if rng.random() < p['zw']:
            i = rng.randrange(1, len(s))
            s = s[:i] + '\u200b' + s[i:]
        return self.pad(s)

    def name(self, n):
        if not self.on or not n:
            return n
        rng = self.rng
        if '·' in n and rng.random() < 0.6:
            n = n.replace('·', self.gen.deal('dot', DOTS, rng))
        elif len(n) == 3 and rng.random() < self.p['namesp']:
            n = n[0] + rng.choice((' ', '\u3000', ' ')) + n[1:]
        if rng.random() < self.p['zw']:
            n = n[0] + '\u200b' + n[1:]
        return self.pad(n)

    def size(self, n):
        s = str(n)
        if self.on and self.rng.random() < self.p['sizefw']:
            s = s.translate(FULLWIDTH)
        return self.pad(s)

    def date(self, o, form):
        if not o:
            return ''
        if not self.enabled:
            return iso(o)
        if self.on and self.rng.random() < 0.3:
            form = self.rng.randrange(7)
        d = datetime.date.fromordinal(o)
        if form == 0:
            s = d.isoformat()
        elif form == 1:
            s = '%d/%d/%d' % (d.year, d.month, d.day)
        elif form == 2:
            s = '%d.%d.%d' % (d.year, d.month, d.day)
        elif form == 3:
            s = d.strftime('%Y%m%d')
        elif form == 4:
            s = '%d年%d月%d日' % (d.year, d.month, d.day)
        elif form == 5:
            s = d.isoformat() + ' 00:00:00'
        else:
            s = str(o - EXCEL_EPOCH_ORD)
        return self.pad(s)

    def money(self, v):
        if v is None:
            return ''
        if not self.on:
            return str(v)
        r = self.rng.randrange(6)
        if r == 1:
            s = '{:,}'.format(v)
        elif r == 2:
            s = '¥' + str(v)
        elif r == 3 and v % 100 == 0:
            s = ('%.4f' % (v / 10000)).rstrip('0').rstrip('.') + '万'
        elif r == 4:
            s = '%d.00' % v
        else:
            s = str(v)
        return self.pad(s)

    def area(self, a):
        if a is None:
            return ''
        s = '%g' % a
        if self.on and self.rng.random() < 0.3:
            s = '%.2f' % a
        return s

    def count(self, n):
        if n is None:
            return ''
        if self.on and n <= 1 and self.rng.random() < 0.5:
            return '有' if n == 1 else '无'
        return str(n)

    def year(self, y):
        if y is None:
            return ''
        return str(y) + ('年' if self.on and self.rng.random() < 0.3 else '')

    def county(self, name):
        if self.enabled and name in COUNTY_SHORT and self.rng.random() < 0.4:
            return self.pad(self.rng.choice(COUNTY_SHORT[name]))
        return self.pad(name)

    def village(self, stem):
        if not self.on:
            return stem + ('村委会' if self.enabled and len(stem) == 3
                           else '村')
        r = self.rng.random()
        suffix = '村' if r < 0.55 else self.rng.choice(VILLAGE_SUFFIX[1:])
        return self.pad(stem + suffix)

    def relation(self, rel, male):
        if not self.on:
            return rel
        if rel == '配偶' and self.rng.random() < 0.4:
            return self.rng.choice(('夫', '丈夫') if male else ('妻', '妻子'))
        if rel in RELATION_SPELL:
            return self.pad(self.rng.choice(RELATION_SPELL[rel]))
        return self.pad(rel)

    def remark(self):
        """A 备注 text: mostly empty, sometimes a quoted two-line remark."""
        if not self.on or self.rng.random() >= self.p['remark']:
            return ''
        if self.rng.random() < self.p['multi'] * 3:
            return '已入户核实\n住房安全'
        return self.rng.choice(('已核实', '户主外出务工', '已入户', '无'))


def run(args):
    gen = Gen(args)
    rng = gen.rng
    prefixes = (args.prefix,) if args.prefix else DEFAULT_PROVINCES
    counties = load_divisions(args.divisions, prefixes)
    if not counties:
        sys.exit('gen.py: no usable village under prefix %s' % args.prefix)
    bycounty = choose_villages(rng, counties, args.households)
    allv = [v for vs in bycounty.values() for v in vs]
    for v in allv:
        v.layout = (args.roster_layout if args.roster_layout != 'mixed'
                    else rng.choice(('person', 'household')))
    if args.roster_layout == 'mixed' and len(allv) >= 2:
        if all(v.layout == allv[0].layout for v in allv):
            allv[-1].layout = ('household' if allv[0].layout == 'person'
                               else 'person')
    os.makedirs(os.path.join(args.out, 'truth'), exist_ok=True)
    # The platform part and the roster part replay the same generation
    # from here; with fork they run on two cores at once.
    parts = ('platform', 'roster')
    if args.jobs > 1 and 'fork' in multiprocessing.get_all_start_methods():
        mp = multiprocessing.get_context('fork')
        procs = [mp.Process(target=run_part, args=(gen, bycounty, p))
                 for p in parts]
        for pr in procs:
            pr.start()
        for pr in procs:
            pr.join()
        if any(pr.exitcode != 0 for pr in procs):
            sys.exit('gen.py: a worker failed')
    else:
        state = rng.getstate()
        for p in parts:
            rng.setstate(state)
            run_part(gen, bycounty, p)
    write_truth(args.out, parts)


def run_part(gen, bycounty, part):
    """Generate everything, write the files of PART ('platform': platform
    exports, findings, statuses; 'roster': roster and members files)."""
    seed = gen.args.seed
    gen.part = part
    gen.decks = {}
    gen.accounting, gen.rejects = [], []
    gen.rng_p = FastRandom('%d/platform' % seed)
    gen.rng_r = FastRandom('%d/roster' % seed)
    noise = Noise(gen, gen.rng_p if part == 'platform' else gen.rng_r)
    allv = [v for vs in bycounty.values() for v in vs]
    w = Writers(gen, gen.args.out, allv, part)
    for i, (ccode, vs) in enumerate(bycounty.items()):
        ctx = County(ccode, vs)
        for v in vs:
            for k in range(v.households):
                one_household(gen, noise, w, ctx, v, k + 1)
            extras = round(v.households * 0.08)
            for _ in range(extras):
                extra_record(gen, ctx, v, None)
        if part == 'platform':
            write_platform(gen, noise, w, ctx, 3 + i)
    w.close()
    with open(os.path.join(gen.args.out, 'truth', '.%s.json' % part), 'w',
              encoding='utf-8') as f:
        json.dump({'accounting': gen.accounting, 'rejects': gen.rejects}, f)


class Writers:
    """The files of one part, written as households come."""

    def __init__(self, gen, out, villages, part):
        self.gen, self.out = gen, out
        self.person = self.household = self.members = None
        self.tplat = self.troster = self.tmembers = None
        gen.findings = gen.status = None
        self.files = []
        t = os.path.join(out, 'truth')
        if part == 'platform':
            self.tplat = self.truth(os.path.join(t, 'expected_platform.csv'),
                                    TRUTH_PLATFORM)
            gen.findings = self.truth(
                os.path.join(t, 'expected_findings.csv'),
                ('code', 'household_id', 'head_id'))
            gen.status = self.truth(os.path.join(t, 'expected_status.csv'),
                                    ('household_id', 'status'))
            return
        layouts = {v.layout for v in villages}
        title = '建档立卡贫困户花名册'
        rng = gen.rng_r
        if 'person' in layouts:
            st = Style(gen, rng, 0, ROSTER_PERSON_ALIASES, OPTIONAL_ROSTER)
            self.person = Out(gen, os.path.join(out, 'roster_person.csv'), st,
                              title)
        if 'household' in layouts:
            st = Style(gen, rng, 1, ROSTER_HH_ALIASES, OPTIONAL_ROSTER)
            self.household = Out(gen, os.path.join(out,
                                                   'roster_household.csv'),
                                 st, title)
            st = Style(gen, rng, 2, MEMBERS_ALIASES, {})
            self.members = Out(gen, os.path.join(out, 'members.csv'), st,
                               '家庭成员')
        self.troster = self.truth(os.path.join(t, 'expected_roster.csv'),
                                  TRUTH_ROSTER)
        self.tmembers = self.truth(os.path.join(t, 'expected_members.csv'),
                                   TRUTH_MEMBERS)

    def truth(self, path, header):
        f = open(path, 'w', encoding='utf-8', newline='')
        self.files.append(f)
        w = csv.writer(f, lineterminator='\n')
        w.writerow(header)
        return w

    def close(self):
        if self.person:
            self.person.close('household_size')
        if self.household:
            self.household.close('household_size')
            self.members.close('relation')
        for f in self.files:
            f.close()


def place(gen, ctx, v):
    """A 档案编号 such as 佛寺镇危改字[2020]12号, unique within the
    township."""
    n = ctx.township_serial.get(v.town_code, 0) + 1
    ctx.township_serial[v.town_code] = n
    return '%s危改字[%d]%d号' % (v.town_name, 2019 + (n % 2), n)


def finding(gen, code, household_id='', head_id=''):
    """Record an expected finding (platform part only)."""
    if gen.findings:
        gen.findings.writerow((code, household_id, head_id))


def one_household(gen, noise, w, ctx, v, serial):
    """Make roster household SERIAL of village V, maybe with a fault;
    queue its platform records in CTX and, for the part being written,
    write its roster rows or its expected status and findings."""
    rng = gen.rng
    kind = None
    if rng.random() < gen.args.fault_rate:
        kind = gen.deal('fault', FAULTS)
        if kind == 'M05' and len(ctx.villages) < 2:
            kind = 'M04'
        if kind == 'M08R' and v.layout != 'person':
            kind = 'M08Z'
    people = gen.household(ctx, 2 if kind == 'M07' else 1)
    head = people[0]
    hid = '%s%04d' % (v.code, serial)
    size = len(people)
    roster_head_raw = None
    roster_norm = (head.id, 'valid')
    codes = []
    status = None
    recs = []
    rec = gen.base_record(v, head.name, head.id, size, '建档立卡贫困户')
    rec['rid'] = place(gen, ctx, v)
    if kind is None or kind.startswith('D') or kind in ('M02', 'REJ'):
        status = gen.clean_record(rec)
        recs.append(rec)
        if kind is not None:
            extra_record(gen, ctx, v, kind)
    elif kind == 'M01':
        status = '无记录'
        codes.append('M01')
    elif kind in ('M03', 'M03H'):
        s1 = gen.renovated(rec)
        rec2 = gen.base_record(v, head.name, head.id, size, '建档立卡贫困户')
        rec2['rid'] = place(gen, ctx, v)
        s2 = gen.renovated(rec2) if kind == 'M03H' else gen.appraised(rec2)
        if kind == 'M03':
            rec2['subsidy'] = None
        status = min(s1, s2, key=STATUS_ORDER.index)
        recs += [rec, rec2]
        codes.append('M03')
    elif kind == 'M09':
        # Same name, same village, another valid ID: a candidate only.
        other = gen.new_id(ctx, rng.randint(1940, 1975), head.male)
        cand = gen.base_record(v, head.name, other, size, '建档立卡贫困户')
        cand['rid'] = rec['rid']
        gen.appraised(cand)
        # Not the household's record: no 有保障 claim to judge (V07).
        cand['verified'] = None
        recs.append(cand)
        status = '待核实'
        codes.append('M09')
    elif kind.startswith('V'):
        status, c = gen.fault_record(kind, rec)
        codes += c
        recs.append(rec)
    else:
        status = gen.clean_record(rec)
        recs.append(rec)
        codes.append(kind[:3])
        if kind == 'M04':
            n = head.name
            while n == head.name:
                n = head.name[:-1] + gen.given(head.male)[0] \
                    if '·' not in head.name else head.name + '江'
            rec['name'] = n
        elif kind == 'M05':
            rec['v'] = rng.choice([x for x in ctx.villages if x is not v])
            rec['rid'] = place(gen, ctx, rec['v'])
        elif kind == 'M06':
            # Larger, never smaller: the area stays within the limit (V09).
            rec['size'] = size + rng.choice((1, 2))
        elif kind == 'M07':
            m = people[1]
            rec['name'], rec['id'] = m.name, m.id
        elif kind == 'M10':
            rec['type'] = '低保户'
        elif kind == 'M08R':
            how = rng.choice(('sub', 'z000', 'f15'))
            raw = None
            while raw is None:
                raw = damage(rng, head.id, how)
                how = 'sub' if raw is None else how
            roster_head_raw = raw
            roster_norm = classify_id(raw)
            codes.append(D_OF_STATE[roster_norm[1]])
        else:
            how = {'M08S': 'sub', 'M08W': 'swap', 'M08Z': 'z000',
                   'M08E': 'sci', 'M08F': 'f15'}[kind]
            raw = damage(rng, head.id, how)
            while raw is None:
                raw = damage(rng, head.id, 'check')
            rec['raw']['head_id'] = raw
            norm = classify_id(raw)
            rec['exp']['head_id'] = norm
            finding(gen, D_OF_STATE[norm[1]], '', norm[0])
    for c in codes:
        finding(gen, c, hid, roster_norm[0])
    ctx.records += recs
    if gen.part == 'platform':
        gen.status.writerow((hid, status))
    else:
        write_roster(gen, noise, w, v, hid, people, roster_head_raw,
                     roster_norm)


D_OF_STATE = {'bad_check': 'D01', 'malformed': 'D02', 'excel_000': 'D03',
              'excel_sci': 'D03', 'converted15': 'D04'}


def extra_record(gen, ctx, v, kind):
    """A platform record of someone not on the roster: clean (KIND None),
    M02 (typed 建档立卡) or carrying one D fault or a ragged row."""
    rng = gen.rng
    male = rng.random() < 0.8
    name = gen.head_name(ctx, male)
    id18 = gen.new_id(ctx, rng.randint(1935, 1985), male)
    htype = '建档立卡贫困户' if kind == 'M02' else rng.choice(OTHER_TYPES)
    rec = gen.base_record(v, name, id18, rng.randint(1, 5), htype)
    rec['rid'] = place(gen, ctx, v)
    if rng.random() < 0.6 or kind in ('D06', 'D08G'):
        gen.appraised(rec)
        rec['means'] = '鉴定安全'
    else:
        gen.renovated(rec)
    norm = (id18, 'valid')
    code = None
    if kind == 'M02':
        code = 'M02'
    elif kind in ('D01', 'D03Z', 'D03E', 'D04'):
        how = {'D01': 'check', 'D03Z': 'z000', 'D03E': 'sci', 'D04': 'f15'}[kind]
        raw = damage(rng, id18, how)
        while raw is None:
            id18 = gen.new_id(ctx, rng.randint(1935, 1985), male)
            rec['id'] = id18
            raw = damage(rng, id18, how)
        rec['raw']['head_id'] = raw
        norm = classify_id(raw)
        rec['exp']['head_id'] = norm
        code = kind[:3]
    elif kind == 'D02':
        raw = malformed(rng, id18)
        rec['raw']['head_id'] = raw
        norm = classify_id(raw)
        assert norm[1] == 'malformed', raw
        rec['exp']['head_id'] = norm
        code = 'D02'
    elif kind == 'D05':
        names = COUNTY_VILLAGE_NAMES.get(ctx.code, ())
        stem = v.stem
        while any(stem in n for n in names):
            stem = rng.choice('东西南北前后新老大小') + rng.choice(
                ('窝棚', '家店', '马架子', '甸子', '营盘', '坨子'))
            stem += rng.choice('一二三四五')
        rec['raw']['village'] = stem + '村'
        rec['exp']['village_code'] = ''
        code = 'D05'
    elif kind == 'D06':
        rec['raw']['appraisal_date'] = rng.choice(BAD_DATES)
        rec['exp']['appraisal_date'] = ''
        code = 'D06'
    elif kind == 'D07':
        rec['raw']['head_name'] = ''
        rec['exp']['head_name'] = ''
        code = 'D07'
    elif kind == 'D08G':
        rec['raw']['safety_grade'] = rng.choice(BAD_GRADES)
        rec['exp']['safety_grade'] = ''
        code = 'D08'
    elif kind == 'D08T':
        rec['raw']['household_type'] = rng.choice(BAD_TYPES)
        rec['exp']['household_type'] = ''
        code = 'D08'
    elif kind == 'D09':
        rec['dup'] = True
        code = 'D09'
    elif kind == 'REJ':
        rec['ragged'] = True
    if code:
        finding(gen, code, '', norm[0])
    ctx.records.append(rec)


def write_roster(gen, noise, w, v, hid, people, head_raw, head_norm):
    """Write household HID's roster rows (person layout: one a member;
    household layout: one row plus members.csv rows) and their truth.
    HEAD_RAW is a damaged head ID to write instead of the real one (M08R),
    HEAD_NORM what idcard.h makes of it."""
    rng = noise.rng
    attr_status = rng.random()
    if attr_status < 0.85:
        pstat = '已脱贫'
    elif attr_status < 0.95:
        pstat = '未脱贫'
    elif attr_status < 0.97:
        pstat = '返贫'
    else:
        pstat = '已脱贫(不再享受政策)'
    base = rng.choice(('一般', '一般', '一般', '低保', '特困供养'))
    attr = base + ('贫困户' if pstat in ('未脱贫', '返贫') else '脱贫户')
    size = len(people)
    head = people[0]
    loc = (v.county_code, v.town_code, v.code)

    def household_fields():
        return {'household_id': hid, 'county': noise.county(v.county_name),
                'township': noise.pad(v.town_name),
                'village': noise.village(v.stem), 'village_code': v.code,
                'household_size': noise.size(size),
                'poverty_attr': noise.pad(attr),
                'poverty_status': noise.pick(POV_STATUS, pstat)}

    if v.layout == 'person':
        out = w.person
        for i, p in enumerate(people):
            noise.row()
            vals = household_fields()
            raw_id = head_raw if i == 0 and head_raw else noise.ident(p.id)
            norm = head_norm if i == 0 else (p.id, 'valid')
            vals.update(person_id='%s%02d' % (hid, i + 1),
                        name=noise.name(p.name), id=raw_id,
                        relation=noise.relation(p.relation, p.male))
            remark = noise.remark()
            vals['备注'] = remark
            line = out.row(vals)
            if i == 0:
                w.troster.writerow((out.name, line, hid) + loc + (
                    head.name, head_norm[0], head_norm[1], size, attr, pstat))
            w.tmembers.writerow((out.name, line, hid, p.name, norm[0],
                                 norm[1], p.relation))
        return
    noise.row()
    vals = household_fields()
    vals.update(head_name=noise.name(head.name), head_id=noise.ident(head.id))
    remark = noise.remark()
    vals['备注'] = remark
    line = w.household.row(vals)
    w.troster.writerow((w.household.name, line, hid) + loc + (
        head.name, head.id, 'valid', size, attr, pstat))
    for p in people:
        noise.row()
        vals = {'household_id': hid, 'name': noise.name(p.name),
                'id': noise.ident(p.id),
                'relation': noise.relation(p.relation, p.male)}
        line = w.members.row(vals)
        w.tmembers.writerow((w.members.name, line, hid, p.name, p.id, 'valid',
                             p.relation))


def render(noise, rec, style):
    """Raw field texts of platform record REC."""
    noise.row()
    v = rec['v']
    raw = rec['raw']
    form = style.date_form
    vals = {
        'record_id': rec['rid'],
        'county': noise.county(v.county_name),
        'township': noise.pad(v.town_name),
        'village': raw.get('village') or noise.village(v.stem),
        'village_code': '' if 'village' in raw else v.code,
        'head_name': raw['head_name'] if 'head_name' in raw
        else noise.name(rec['name']),
        'head_id': raw['head_id'] if 'head_id' in raw
        else noise.ident(rec['id']),
        'household_size': noise.size(rec['size']),
        'household_type': raw.get('household_type') or
        noise.pick(HTYPE, rec['type']),
        'safety_grade': raw.get('safety_grade') or
        noise.pick(GRADE, rec['grade']),
        'appraisal_date': raw.get('appraisal_date') or
        noise.date(rec['appraisal'], form),
        'renovation_type': noise.pick(RENO, rec['ren']),
        'build_mode': noise.pad(rec['mode'] or ''),
        'area_m2': noise.area(rec['area']),
        'subsidy_yuan': noise.money(rec['subsidy']),
        'start_date': noise.date(rec['start'], form),
        'completion_date': noise.date(rec['completion'], form),
        'acceptance_date': noise.date(rec['acc_date'], form),
        'acceptance_result': noise.pick(RESULT, rec['result']),
        'safety_means': noise.pad(rec['means'] or ''),
        'verified': noise.pick(VERIFIED, rec['verified']),
        'toilet': noise.pick(TOILET, rec['toilet']),
        'plan_year': noise.year(rec['year']),
    }
    for i, f in enumerate(('photos_materials', 'photos_training',
                           'photos_foundation', 'photos_completion')):
        vals[f] = raw.get('photos%d' % i) or noise.count(rec['photos'][i])
    return vals


def truth_row(out_name, line, rec, style):
    """The expected_platform.csv row of REC, written at LINE."""
    v = rec['v']
    exp = rec['exp']
    hid, state = exp.get('head_id', (rec['id'], 'valid'))
    has = style.fields
    means = rec['means']
    rid = rec['rid'] if 'record_id' in has else '%s:%d' % (out_name, line)
    return (out_name, line, rid, v.county_code, v.town_code,
            exp.get('village_code', v.code), exp.get('head_name', rec['name']),
            hid, state, rec['size'],
            exp.get('household_type', rec['type']),
            exp.get('safety_grade', rec['grade'] or ''),
            exp.get('appraisal_date', iso(rec['appraisal'])),
            rec['ren'] or '', rec['mode'] or '', money(rec['area']),
            money(rec['subsidy']), iso(rec['start']), iso(rec['completion']),
            iso(rec['acc_date']), rec['result'] or '', means or '',
            CATEGORY[means] if means else '', intx(rec['verified']),
            *(intx(p) for p in rec['photos']),
            intx(rec['toilet']) if 'toilet' in has else '',
            intx(rec['year']) if 'plan_year' in has else '')


def write_platform(gen, noise, w, ctx, index):
    """Write the county's platform export, the INDEX-th file."""
    style = Style(gen, noise.rng, index, PLATFORM_ALIASES, OPTIONAL_PLATFORM)
    path = os.path.join(gen.args.out, 'platform_%s.csv' % ctx.code)
    cname = ctx.villages[0].county_name
    out = Out(gen, path, style, '%s农村危房改造农户档案' % cname)
    for rec in ctx.records:
        vals = render(noise, rec, style)
        remark = noise.remark()
        vals['备注'] = remark
        if rec['ragged']:
            out.row(vals, reject=True)
            continue
        line = out.row(vals)
        w.tplat.writerow(truth_row(out.name, line, rec, style))
        if rec['dup']:
            # The very same row again: Excel copy-paste.
            line = out.row(dict(vals), copy=True)
            w.tplat.writerow(truth_row(out.name, line, rec, style))
    out.close('household_size')


def write_truth(out, parts):
    """Merge the parts' accounting and rejects; write as_of.txt."""
    t = os.path.join(out, 'truth')
    accounting, rejects = [], []
    for p in parts:
        path = os.path.join(t, '.%s.json' % p)
        with open(path, encoding='utf-8') as f:
            d = json.load(f)
        os.remove(path)
        accounting += [tuple(r) for r in d['accounting']]
        rejects += [tuple(r) for r in d['rejects']]

    def table(name, header, rows):
        with open(os.path.join(t, name), 'w', encoding='utf-8',
                  newline='') as f:
            wr = csv.writer(f, lineterminator='\n')
            wr.writerow(header)
            wr.writerows(rows)

    table('expected_accounting.csv',
          ('file', 'rows_read', 'rows_kept', 'rows_rejected'),
          sorted(accounting))
    table('expected_rejects.csv', ('file', 'line'), sorted(rejects))
    with open(os.path.join(t, 'as_of.txt'), 'w', encoding='utf-8') as f:
        f.write(AS_OF_TEXT + '\n')


# --- self-check -------------------------------------------------------------
#
# Rereads a generated set the way an analyst's tools would (decode, find the
# header, map aliases) and compares every kept row with the truth: line
# numbers, accounting, and the normalised values.  Independent of the
# writing code above except for the alias and spelling tables.


def _decode(b):
    if b.startswith(b'\xef\xbb\xbf'):
        return b[3:].decode('utf-8')
    if b.startswith(b'\xff\xfe'):
        return b[2:].decode('utf-16-le')
    try:
        return b.decode('utf-8')
    except UnicodeDecodeError:
        return b.decode('gb18030')


def _clean(s):
    s = unicodedata.normalize('NFKC', s)
    s = re.sub('[\u200b-\u200d\u2060\ufeff]', '', s)
    return ' '.join(s.replace('\u00a0', ' ').split())


def _name(s):
    s = _clean(s).replace(' ', '')
    for dot in DOTS:
        s = s.replace(dot, '·')
    return s


def _id(s):
    return classify_id(_clean(s).lstrip("'").replace(' ', '')
                       .replace('x', 'X'))


def _date(s):
    s = _clean(s)
    if not s:
        return ''
    if re.fullmatch(r'\d{5}', s):
        return iso(EXCEL_EPOCH_ORD + int(s))
    m = (re.fullmatch(r'(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})( 00:00:00)?', s)
         or re.fullmatch(r'(\d{4})年(\d{1,2})月(\d{1,2})日', s)
         or re.fullmatch(r'(\d{4})(\d{2})(\d{2})', s))
    try:
        return datetime.date(*map(int, m.groups()[:3])).isoformat()
    except (AttributeError, ValueError):
        return ''


def _money(s):
    s = _clean(s).replace(',', '').replace('¥', '')
    if not s:
        return ''
    if s.endswith('万'):
        return '%.2f' % (float(s[:-1]) * 10000)
    return '%.2f' % float(s)


def _enum(table, s):
    s = _clean(s)
    for canon, spellings in table.items():
        if s in [_clean(x) for x in spellings]:
            return str(canon)
    return ''


def _grade(s):
    s = _clean(s).upper()
    return {'局部危险': 'C', '整栋危险': 'D'}.get(
        s, s.replace('级', '').replace('危房', '')) if s[:1] in 'ABCD局整' \
        else ''


def _count(s):
    s = _clean(s)
    return {'有': '1', '无': '0'}.get(s, s)


PLATFORM_CHECKS = {
    'household_size': _clean, 'household_type': lambda s: _enum(HTYPE, s),
    'safety_grade': _grade, 'appraisal_date': _date,
    'renovation_type': lambda s: _enum(RENO, s), 'build_mode': _clean,
    'area_m2': _money, 'subsidy_yuan': _money, 'start_date': _date,
    'completion_date': _date, 'acceptance_date': _date,
    'acceptance_result': lambda s: _enum(RESULT, s),
    'safety_means': _clean, 'verified': lambda s: _enum(VERIFIED, s),
    'photos_materials': _count, 'photos_training': _count,
    'photos_foundation': _count, 'photos_completion': _count,
    'toilet': lambda s: _enum(TOILET, s),
    'plan_year': lambda s: _clean(s).rstrip('年'),
}


def _aliases(table):
    return {h: f for f, names in table for h in names}


def check_set(d):
    """Reread the set in D; print problems; return their number."""
    t = os.path.join(d, 'truth')

    def load(name):
        with open(os.path.join(t, name), encoding='utf-8', newline='') as f:
            return list(csv.DictReader(f))

    truth = {}
    for name in ('expected_platform.csv', 'expected_roster.csv',
                 'expected_members.csv'):
        for r in load(name):
            truth.setdefault((r['file'], int(r['line'])), []).append(r)
    rejects = {(r['file'], int(r['line'])) for r in
               load('expected_rejects.csv')}
    acct = {r['file']: r for r in load('expected_accounting.csv')}
    errors = []
    for fn in sorted(os.listdir(d)):
        if not fn.endswith('.csv'):
            continue
        with open(os.path.join(d, fn), 'rb') as f:
            text = _decode(f.read())
        if fn.startswith('platform'):
            aliases = _aliases(PLATFORM_ALIASES)
        elif fn == 'members.csv':
            aliases = _aliases(MEMBERS_ALIASES)
        elif fn == 'roster_person.csv':
            aliases = _aliases(ROSTER_PERSON_ALIASES)
        else:
            aliases = _aliases(ROSTER_HH_ALIASES)
        delim = '\t' if '\t' in text[:4000] else ','
        rd = csv.reader(io.StringIO(text, newline=''), delimiter=delim)
        prev, header, counts = 0, None, [0, 0, 0]
        for row in rd:
            start, prev = prev + 1, rd.line_num
            if not any(row):
                continue
            if header is None:
                if len(row) > 2:
                    header = [aliases.get(_clean(h), _clean(h)) for h in row]
                continue
            counts[0] += 1
            if len(row) != len(header) or _clean(row[0]) == '合计':
                counts[2] += 1
                if (fn, start) not in rejects:
                    errors.append('%s:%d: unexpected reject' % (fn, start))
                continue
            counts[1] += 1
            exp = truth.get((fn, start))
            if not exp:
                errors.append('%s:%d: no truth row' % (fn, start))
                continue
            errors += _check_row(fn, start, dict(zip(header, row)), exp)
        a = acct.get(fn, {})
        if [str(c) for c in counts] != [a.get('rows_read'),
                                        a.get('rows_kept'),
                                        a.get('rows_rejected')]:
            errors.append('%s: accounting %s, truth %s' % (fn, counts, a))
    for e in errors[:50]:
        print(e)
    print('%s: %d problems' % (d, len(errors)))
    return len(errors)


def _check_row(fn, line, rec, exp):
    errs = []

    def same(what, got, want):
        if got != want:
            errs.append('%s:%d: %s %r, truth %r' % (fn, line, what, got,
                                                    want))

    if fn.startswith('platform'):
        e = exp[0]
        n, st = _id(rec.get('head_id', ''))
        same('head_id', (n, st), (e['head_id'], e['head_id_state']))
        same('head_name', _name(rec.get('head_name', '')), e['head_name'])
        for f, norm in PLATFORM_CHECKS.items():
            if f in rec and not (f == 'household_type' and
                                 e['household_type'] == '' or
                                 f == 'safety_grade' and
                                 e['safety_grade'] == '' or
                                 f == 'appraisal_date' and
                                 e['appraisal_date'] == ''):
                same(f, norm(rec[f]), e[f])
        if 'record_id' in rec:
            same('record_id', _clean(rec['record_id']), e['record_id'])
        if rec.get('village_code'):
            same('village_code', rec['village_code'], e['village_code'])
        return errs
    for e in exp:
        if 'relation' in e:     # a member row
            same('id', _id(rec.get('id', '')), (e['id'], e['id_state']))
            same('name', _name(rec.get('name', '')), e['name'])
            same('relation', _clean(rec.get('relation', '')) in
                 [_clean(x) for x in RELATION_SPELL.get(e['relation'], ())] +
                 [e['relation'], '妻', '妻子', '夫', '丈夫'], True)
        else:                   # a household row or a 户主 row
            hid = rec.get('head_id', rec.get('id', ''))
            same('head_id', _id(hid), (e['head_id'], e['head_id_state']))
            same('head_name', _name(rec.get('head_name',
                                            rec.get('name', ''))),
                 e['head_name'])
            same('household_size', _clean(rec.get('household_size', '')),
                 e['household_size'])
            same('poverty_status', _enum(POV_STATUS,
                                         rec.get('poverty_status', '')),
                 e['poverty_status'])
            same('poverty_attr', _clean(rec.get('poverty_attr', '')),
                 e['poverty_attr'])
    return errs


def main(argv=None):
    ap = argparse.ArgumentParser(
        description='Synthetic anju exports with their expected results.')
    ap.add_argument('--households', type=int, default=1000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--out')
    ap.add_argument('--check', metavar='DIR',
                    help='reread a generated set and compare it with its '
                    'truth; exit 1 on any difference')
    ap.add_argument('--prefix', default='',
                    help='division code prefix, e.g. 2109 (Fuxin)')
    ap.add_argument('--roster-layout', default='person',
                    choices=('person', 'household', 'mixed'))
    ap.add_argument('--fault-rate', type=float, default=0.05)
    ap.add_argument('--clean', action='store_true',
                    help='no encoding or spelling noise (faults still '
                    'follow --fault-rate)')
    ap.add_argument('--sample', action='store_true',
                    help='the bundled sample: %s' % SAMPLE)
    ap.add_argument('--divisions', default=DIVISIONS)
    ap.add_argument('--jobs', type=int, default=2,
                    help='processes: 2 (default) writes the platform and the '
                    'roster side at once; 1 one after the other; the '
                    'output is the same')
    args = ap.parse_args(argv)
    if args.check:
        return 1 if check_set(args.check) else 0
    if not args.out:
        ap.error('--out is required')
    if args.sample:
        for k, val in SAMPLE.items():
            setattr(args, k, val)
        args.clean = False
    if args.households < 1 or not 0 <= args.fault_rate <= 1:
        ap.error('--households must be >= 1 and --fault-rate in [0, 1]')
    if args.prefix and not args.prefix.isdigit():
        ap.error('--prefix takes digits')
    run(args)


if __name__ == '__main__':
    sys.exit(main())
