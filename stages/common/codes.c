/* codes.c - the finding codes of SPEC 5. */
#include "codes.h"

#include <string.h>

const struct finding_code finding_codes[FINDING_NCODES] = {
    {"D01", "low", "身份证号校验位错误"},
    {"D02", "low", "身份证号格式错误"},
    {"D03", "medium", "身份证号被Excel损坏"},
    {"D04", "low", "15位身份证号已升位"},
    {"D05", "medium", "行政区划无法识别"},
    {"D06", "low", "日期无法识别"},
    {"D07", "medium", "必填项为空"},
    {"D08", "low", "取值无法识别"},
    {"D09", "low", "重复行"},
    {"M01", "high", "花名册户在平台无档案（漏录）"},
    {"M02", "high", "平台建档立卡户不在花名册（身份不符）"},
    {"M03", "medium", "一户多档"},
    {"M04", "medium", "户主姓名不一致"},
    {"M05", "medium", "所在村或县不一致"},
    {"M06", "low", "家庭人口数不一致"},
    {"M07", "medium", "户主已变更"},
    {"M08", "medium", "修复身份证号后匹配"},
    {"M09", "high", "同村同名不同身份证号，待核实"},
    {"M10", "medium", "其他类型档案对应花名册户主"},
    {"V01", "high", "C/D级危房未改造或保障"},
    {"V02", "medium", "开工后逾期未竣工"},
    {"V03", "medium", "竣工后逾期未验收"},
    {"V04", "high", "验收不合格"},
    {"V05", "medium", "日期顺序错误或晚于核验日期"},
    {"V06", "high", "未鉴定"},
    {"V07", "high", "标记有保障但未达安全"},
    {"V08", "low", "缺少改造环节照片"},
    {"V09", "low", "补助资金或面积超出范围"},
};

const struct finding_code *
finding_code(const char *code)
{
	size_t i;

	for (i = 0; code != NULL && i < FINDING_NCODES; i++)
		if (strcmp(finding_codes[i].code, code) == 0)
			return &finding_codes[i];
	return NULL;
}
