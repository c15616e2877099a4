/**
 * Subjects next door to rural policy that a county's knowledge base does not cover: city
 * mortgages and the housing fund, consumer credit, savings and investments, commercial insurance,
 * city employees' social insurance, school admissions, repairs, licences. A viewer asking about
 * one shares words with real entries (贷款, 利率, 理赔, 报销, 拖拉机), so ranking finds a
 * neighbour and the neighbour looks confident; the word that names the subject is what tells them
 * apart. A question naming such a subject is never answered by an entry that does not mention it:
 * it goes to the official. An entry that does mention it (a county that answers housing-fund
 * questions) answers as usual, so the list never needs shortening; the official can extend it
 * (`PUT /api/policy/outside`).
 *
 * Words, not topics, matched as written, so each must be unambiguous inside longer words too: 存款
 * alone would refuse "吃低保要看有没有存款吗" (the minimum living allowance's), 房贷 "盖房贷款", 基金
 * "医保基金", 维修 "危房维修"; 房产证 is what a loan's collateral question names ("办小额信贷要拿
 * 房产证抵押吗"), 保单 a crop-insurance one, 违章 a homestead one. None may be a word of the synonym
 * table either (退休金 stands for the rural pension there): a test holds both.
 */
export const DEFAULT_OUTSIDE: readonly string[] = [
  // housing
  '住房公积金', '公积金贷款', '房贷利率', '还房贷', '按揭', '商品房', '买房', '购房', '二手房', '学区房', '房产税', '契税', '物业费',
  // consumer and business credit
  '信用卡', '网贷', '花呗', '借呗', '车贷', '消费贷', '创业贷款', '创业担保', '逾期', '汽车',
  // the goods on sale in the stream (an official's stream often sells the village's produce too)
  '便宜点', '包邮', '发货', '有货', '链接', '退货', '退款', '运费', '优惠券',
  // savings and investment
  '定期存款', '存款利息', '存款利率', '理财', '股票', '炒股', '买基金', '基金定投', '国债',
  // commercial insurance
  '商业险', '商业保险', '意外险', '重疾险', '寿险', '车险', '交强险',
  // city employees' social insurance (退休金 is how villagers name the rural pension: a synonym)
  '城镇职工', '职工医保', '职工养老', '企业职工', '退休工资', '退休工人', '退休人员', '失业金', '失业保险', '工伤', '生育保险', '生育津贴',
  // private clinics (which hospitals take the card is the county's list, not an entry's)
  '私立医院', '私人诊所', '民营医院',
  // exams and scholarships (高考, 录取: a student loan is asked about with them)
  '奖学金', '考研', '分数线', '留学',
  // repairing machines (咋修, 去哪修 and the like are asked of houses in disrepair too: the housing-safety entry's)
  '修车', '机油', '打不着火',
  // licences and papers
  '签证', '护照', '驾照', '驾驶证', '罚单',
  // land taken for building
  '征地', '拆迁',
];

/** The subject words in `question` (normalized) that `entryText` (normalized) does not mention. */
export function outsideSubject(question: string, entryText: string, words: readonly string[]): string | undefined {
  return words.find((w) => question.includes(w) && !entryText.includes(w));
}
