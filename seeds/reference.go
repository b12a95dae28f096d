// Reference data seeded on first start: the concern codebook and the two
// consultations with their proposals. (Regions and organisation types are
// fixed lists in models.) Every summary, description and background text here is
// written in our own words; facts come from shared/research/seed-facts.md.
package seeds

import "time"

// Concerns is the concern codebook: central, local and delivery concerns.
var Concerns = []ConcernSeed{
	// Central: power moving towards national bodies.
	{
		Code:        "new_central_powers",
		Label:       "New national powers of direction",
		Description: "National bodies or ministers would gain new formal powers to tell local organisations what to do.",
		Side:        "central",
	},
	{
		Code:        "powers_without_accountability",
		Label:       "Powers without matching accountability",
		Description: "A national body would gain powers without any matching increase in how it answers for the way it uses them.",
		Side:        "central",
	},
	{
		Code:        "cuts_across_board_accountability",
		Label:       "Cuts across board accountability",
		Description: "The proposal blurs a trust's unitary board being answerable for its own organisation's decisions and their consequences.",
		Side:        "central",
	},
	{
		Code:        "decisions_away_from_care",
		Label:       "Decisions moved away from the point of care",
		Description: "Decisions would be taken further from the patients, staff and communities who know the local services best.",
		Side:        "central",
	},
	{
		Code:        "extra_oversight_layer",
		Label:       "Extra oversight layer ('double jeopardy')",
		Description: "Trusts could face another tier of performance management, or be judged twice for the same issue as an organisation and as part of a system.",
		Side:        "central",
	},
	// Local: what local systems and partners stand to lose.
	{
		Code:        "loss_of_local_autonomy",
		Label:       "Loss of local autonomy (subsidiarity)",
		Description: "Choices that are best made locally would no longer be made there, against the principle of subsidiarity.",
		Side:        "local",
	},
	{
		Code:        "one_size_fits_all",
		Label:       "Areas pushed into one arrangement",
		Description: "Local areas could be steered towards a single national model whether or not it suits their population and partners.",
		Side:        "local",
	},
	{
		Code:        "local_relationships_not_ready",
		Label:       "Local relationships not ready",
		Description: "The proposal assumes local partners already trust each other and work well together, which is not yet true everywhere.",
		Side:        "local",
	},
	{
		Code:        "local_government_role",
		Label:       "Local government's role underplayed",
		Description: "Councils, with their public health and social care responsibilities, are not given the place they need in the arrangements.",
		Side:        "local",
	},
	// Delivery: whether it can work in practice.
	{
		Code:        "timescale",
		Label:       "Timescale",
		Description: "The deadline or pace of change is unrealistic for some or all areas.",
		Side:        "delivery",
	},
	{
		Code:        "funding_and_capital",
		Label:       "Funding and capital",
		Description: "Delivery depends on revenue or capital funding that has not been secured.",
		Side:        "delivery",
	},
	{
		Code:        "workforce",
		Label:       "Workforce",
		Description: "There are not enough staff, or enough leadership and management capacity, to make the change work.",
		Side:        "delivery",
	},
	{
		Code:        "unclear_ics_governance",
		Label:       "Unclear ICS governance",
		Description: "It is unclear how systems with no legal standing take decisions, and how they hold partners and are held to account.",
		Side:        "delivery",
	},
	{
		Code:        "unintended_legal_consequences",
		Label:       "Unintended legal consequences",
		Description: "A targeted change to the law could have knock-on effects elsewhere in the legal framework that have not been thought through.",
		Side:        "delivery",
	},
}

// Consultations holds the two seeded consultations.
var Consultations = []ConsultationSeed{
	{
		Key:    "lp-2019",
		Title:  "Implementing the NHS long term plan: proposals for possible changes to legislation",
		Issuer: "NHS England and NHS Improvement",
		Background: "NHS England and NHS Improvement put out this engagement document on 28 February 2019 and took views on it until 25 April 2019; " +
			"it sets out targeted changes to primary legislation that the two bodies said would speed up delivery of the long term plan. " +
			"This copy runs it as a consultation of our members, so that the collective response can rest on their answers.",
		PublishedAgo:     time.Hour * 24 * 14,
		MemberDeadlineIn: time.Hour * 24 * 30,
		ClosesIn:         time.Hour * 24 * 45,
		Proposals: []ProposalSeed{
			{
				Ref:   "LP-01",
				Group: "Promoting collaboration",
				Title: "End competition-authority review of foundation trust mergers",
				Summary: "Since the 2012 reforms, a merger involving a foundation trust can be examined by the Competition and Markets Authority (CMA) in the same way as a merger between private companies. " +
					"The proposal would take these NHS transactions out of the CMA's merger control. " +
					"NHS Improvement would carry on checking whether a proposed merger is in patients' interests.",
				Change:         "Foundation trust mergers would no longer be cases for the CMA to review. Scrutiny of these transactions would sit with NHS Improvement alone.",
				PowerDirection: "neutral",
			},
			{
				Ref:   "LP-02",
				Group: "Promoting collaboration",
				Title: "Remove NHS Improvement's competition role",
				Summary: "NHS Improvement inherited from Monitor the job of policing competition between healthcare providers, along with a duty to prevent anti-competitive behaviour. " +
					"The proposal would take that job and that duty away. " +
					"General competition law would still apply where it is relevant, with the CMA as its enforcer.",
				Change:         "The sector regulator's competition powers and duties would be repealed, so it would no longer investigate providers or commissioners on competition grounds.",
				PowerDirection: "devolving",
			},
			{
				Ref:   "LP-03",
				Group: "Promoting collaboration",
				Title: "Stop CMA referrals of disputed licence and tariff changes",
				Summary: "At present, if enough providers object to a proposed change to the standard provider licence conditions or to the national tariff, NHS Improvement has to refer the matter to the CMA. " +
					"The proposal would end these referrals. " +
					"Providers would lose an independent route for challenging a national decision that affects all of them.",
				Change:         "NHS Improvement could change licence conditions and tariff provisions without the CMA acting as referee when providers object in sufficient numbers.",
				PowerDirection: "centralising",
			},
			{
				Ref:   "LP-04",
				Group: "Getting better value for the NHS",
				Title: "Revoke the section 75 procurement regulations",
				Summary: "Regulations made under section 75 of the Health and Social Care Act 2012 set rules for how NHS commissioners buy healthcare, and in practice push many services towards competitive tendering. " +
					"The proposal would revoke those regulations and repeal the powers they were made under. " +
					"Commissioners would instead apply a 'best value' test when deciding who should provide a service.",
				Change:         "The 2013 procurement, patient choice and competition regulations and the section 75 powers behind them would go, ending the default expectation that services are put out to tender.",
				PowerDirection: "devolving",
			},
			{
				Ref:   "LP-05",
				Group: "Getting better value for the NHS",
				Title: "Take NHS healthcare arrangements out of general procurement law",
				Summary: "When NHS commissioners arrange healthcare services with NHS providers, the Public Contracts Regulations 2015 can apply just as they do to any other public purchase. " +
					"The proposal would place these arrangements outside those regulations. " +
					"Commissioners would decide when a tender is worthwhile, guided by a new 'best value' test backed by statutory guidance written nationally.",
				Change:         "Healthcare arrangements between NHS commissioners and NHS providers would fall outside the Public Contracts Regulations 2015; a statutory 'best value' test would govern the choice of provider instead.",
				PowerDirection: "mixed",
			},
			{
				Ref:   "LP-06",
				Group: "Getting better value for the NHS",
				Title: "Keep patients' choice rights as procurement rules change",
				Summary: "The engagement document is understood to present the procurement changes as leaving patients' existing rights to choose where they are treated intact. " +
					"No separate change to the law on choice has been identified, so this item records an assurance rather than a new power. " +
					"Members may still want to say how choice and closer collaboration between providers should fit together.",
				Change:         "No change to patients' current choice rights is understood to be intended; the point is that the procurement reforms should not weaken them.",
				PowerDirection: "neutral",
			},
			{
				Ref:   "LP-07",
				Group: "Increasing the flexibility of national NHS payment systems",
				Title: "Allow national prices to be set as a formula",
				Summary: "The national tariff currently sets a fixed price for each unit of activity. " +
					"The proposal would let prices be published as a formula instead, so that a price can reflect local factors. " +
					"The formula itself would still be decided nationally.",
				Change:         "Tariff rules would allow a national price to be expressed as a calculation rather than a single figure.",
				PowerDirection: "mixed",
			},
			{
				Ref:   "LP-08",
				Group: "Increasing the flexibility of national NHS payment systems",
				Title: "Let local areas agree their own payment approach",
				Summary: "The proposal would give local commissioners and providers more room to agree how services are paid for, for example through payments for a whole population rather than for each item of activity. " +
					"National prices would still apply in defined cases, such as patients treated outside their home area. " +
					"The aim is to stop the payment system getting in the way of joint working.",
				Change:         "A new power would let payment approaches be agreed locally, with national prices applying only where the rules require them.",
				PowerDirection: "devolving",
			},
			{
				Ref:   "LP-09",
				Group: "Increasing the flexibility of national NHS payment systems",
				Title: "End providers' applications for local tariff modifications",
				Summary: "Today a provider whose costs are unavoidably higher than the national price can apply to NHS Improvement for a local modification. " +
					"The proposal would remove that right once integrated care systems are fully developed. " +
					"Disputes about price would then be expected to be settled within the system.",
				Change:         "Individual providers would lose their statutory route to ask the regulator for a higher local price.",
				PowerDirection: "centralising",
			},
			{
				Ref:   "LP-10",
				Group: "Increasing the flexibility of national NHS payment systems",
				Title: "Bring section 7A public health services into the tariff",
				Summary: "Some public health services, such as national screening and immunisation programmes, are commissioned by NHS England or CCGs on the Secretary of State's behalf under section 7A of the NHS Act 2006. " +
					"They currently sit outside the national tariff. " +
					"The proposal would change primary legislation so that the tariff can set prices for them.",
				Change:         "The national tariff could include prices for section 7A public health services.",
				PowerDirection: "centralising",
			},
			{
				Ref:   "LP-11",
				Group: "Integrating care provision",
				Title: "New NHS trusts to provide integrated care",
				Summary: "The proposal would make it clear in law that the Secretary of State can set up new NHS trusts to deliver joined-up care for a local population. " +
					"Such an 'integrated care trust' could hold a single contract covering a wide range of services. " +
					"The engagement document is understood to link this to areas planning to use the integrated care provider (ICP) contract.",
				Change:         "The Secretary of State's power to establish new NHS trusts would be put beyond doubt, so that trusts could be created specifically to provide integrated services for an area.",
				PowerDirection: "mixed",
			},
			{
				Ref:   "LP-12",
				Group: "Managing the NHS's resources better",
				Title: "Power to direct foundation trust mergers and acquisitions",
				Summary: "NHS Improvement can already direct NHS trusts to merge or be acquired, but it has no such power over foundation trusts. " +
					"The proposal would give it targeted powers, in specific circumstances, to direct mergers or acquisitions involving foundation trusts. " +
					"Foundation trusts currently decide on such transactions through their own boards and councils of governors.",
				Change:         "NHS Improvement could require a foundation trust to take part in a merger or acquisition, instead of depending on the trust's board and governors agreeing to it.",
				PowerDirection: "centralising",
			},
			{
				Ref:   "LP-13",
				Group: "Managing the NHS's resources better",
				Title: "Power to cap a foundation trust's capital spending",
				Summary: "Foundation trusts can at present decide their own capital spending within the money they have. " +
					"The proposal would let NHS Improvement set a limit on capital spending for a single named foundation trust. " +
					"Each limit would lapse at the end of the financial year, and the reasons for it would be published.",
				Change:         "NHS Improvement could impose an annual capital spending limit on an individual foundation trust, narrowing a freedom that foundation trust status now carries.",
				PowerDirection: "centralising",
			},
			{
				Ref:   "LP-14",
				Group: "Every part of the NHS working together",
				Title: "Joint committees of CCGs and NHS providers",
				Summary: "CCGs and providers that want to decide things together now have to use 'committees in common', where each organisation still takes its own decision in parallel. " +
					"The proposal would let CCGs and NHS trusts or foundation trusts form joint committees able to take decisions together, for example across an integrated care system. " +
					"It would give a legal form to the shared decision-making many systems already attempt.",
				Change:         "CCGs and NHS providers could delegate functions to a joint committee whose decisions bind all its members.",
				PowerDirection: "devolving",
			},
			{
				Ref:   "LP-15",
				Group: "Every part of the NHS working together",
				Title: "Joint committees between NHS providers",
				Summary: "NHS trusts and foundation trusts face legal limits on handing decisions to a committee they run jointly with other providers. " +
					"The engagement document is understood to propose removing these limits. " +
					"This would help provider collaboratives and groups of trusts to take decisions together.",
				Change:         "Trusts and foundation trusts would be able to set up joint committees with delegated decision-making powers.",
				PowerDirection: "devolving",
			},
			{
				Ref:   "LP-16",
				Group: "Every part of the NHS working together",
				Title: "Joint appointments across CCGs and providers",
				Summary: "The engagement document is understood to propose clearer legal permission for CCGs and NHS providers to make joint appointments or to share officers. " +
					"This would make it easier, for example, for one senior leader to work across a commissioner and a provider. " +
					"How conflicts of interest are handled would be an important part of the detail.",
				Change:         "CCGs and providers could appoint staff jointly and share officers without doubt over whether the law allows it.",
				PowerDirection: "devolving",
			},
			{
				Ref:   "LP-17",
				Group: "Shared responsibility for the NHS",
				Title: "A shared duty on commissioners and providers (the 'triple aim')",
				Summary: "The proposal would place a new legal duty on CCGs and NHS providers to pursue shared goals: better health for the whole population, better care for all patients and services that are financially sustainable. " +
					"It would sit on top of each organisation's existing duties. " +
					"The engagement document is understood to describe it as a shared duty; the 'triple aim' label is used clearly in the later NHS recommendations.",
				Change:         "Every CCG and NHS provider would have a statutory duty to look beyond its own organisation to the effect of its decisions on the wider local system.",
				PowerDirection: "mixed",
			},
			{
				Ref:   "LP-18",
				Group: "Planning our services together",
				Title: "NHS England and CCGs commissioning jointly",
				Summary: "The engagement document is understood to propose letting NHS England and CCGs make formal joint commissioning arrangements, for example bringing specialised services together with locally commissioned care. " +
					"This could include joint decision-making committees and delegation of NHS England functions. " +
					"The aim would be to let decisions about a patient's whole pathway, from local to specialised care, be taken in one place.",
				Change:         "NHS England and CCGs could commission services together through joint committees or delegated arrangements.",
				PowerDirection: "mixed",
			},
			{
				Ref:   "LP-19",
				Group: "Planning our services together",
				Title: "More flexible joint commissioning between CCGs",
				Summary: "The engagement document is understood to propose more freedom for groups of CCGs to commission together, including through one lead CCG acting for the others. " +
					"This would support the move towards fewer, more strategic commissioners covering a whole system.",
				Change:         "CCGs could use joint and lead-commissioner arrangements more freely.",
				PowerDirection: "devolving",
			},
			{
				Ref:   "LP-20",
				Group: "Joined-up national leadership",
				Title: "Bring NHS England and NHS Improvement together",
				Summary: "NHS England and NHS Improvement already work as one organisation in many respects but remain separate bodies in law. " +
					"The proposal would remove the legal barriers to them carrying out functions jointly, sharing board members and speaking with one voice. " +
					"Their boards said they would prefer to go further, to a full merger.",
				Change:         "The two national bodies could exercise functions together and form joint arrangements, as a step towards a single national leadership body.",
				PowerDirection: "centralising",
			},
			{
				Ref:   "LP-21",
				Group: "Joined-up national leadership",
				Title: "Secretary of State power to move functions between national bodies",
				Summary: "The proposal would let the Health Secretary use secondary legislation to transfer functions between the NHS's arm's-length bodies, require one body to delegate to another, or give bodies new functions. " +
					"Future changes to the national landscape could then be made without a new Act of Parliament.",
				Change:         "Ministers could reshape the responsibilities of national health bodies by regulations rather than by primary legislation.",
				PowerDirection: "centralising",
			},
		},
	},
	{
		Key:    "ltp-governance",
		Title:  "The long term plan's system-governance commitments",
		Issuer: "NHS England and NHS Improvement",
		Background: "The NHS long term plan, published in January 2019, committed to a set of changes in how local systems are led, regulated and contracted with, " +
			"from partnership boards with independent chairs to integrated care systems across the whole country by April 2021. " +
			"We ask members for their views on these commitments, some of which the plan says will be the subject of formal consultation later.",
		PublishedAgo:     time.Hour * 24 * 7,
		MemberDeadlineIn: time.Hour * 24 * 60,
		ClosesIn:         time.Hour * 24 * 75,
		Proposals: []ProposalSeed{
			{
				Ref:   "GC-01",
				Group: "Provider regulation",
				Title: "New licence conditions on system responsibilities",
				Summary: "The plan says that, subject to consultation, new conditions could be added to the provider licence. " +
					"They would support trusts in taking shared responsibility with their system partners for wider aims, such as the use of NHS resources and the health of the population. " +
					"The licence is the regulator's main enforcement tool over trusts.",
				Change:         "Trusts could be held to account through their licence for contributing to system goals as well as for their own organisation's performance.",
				PowerDirection: "centralising",
			},
			{
				Ref:   "GC-02",
				Group: "Provider regulation",
				Title: "Fast-track merger assessment for accredited 'group' leaders",
				Summary: "The plan commits NHS Improvement to a quicker way of assessing proposed mergers and acquisitions involving trusts accredited to lead a group of trusts. " +
					"The intention is to make it easier for strong organisations to take on or support others. " +
					"How trusts would be accredited has not been set out.",
				Change:         "Transactions led by accredited trusts would go through a shorter regulatory review, with the regulator deciding which trusts qualify.",
				PowerDirection: "centralising",
			},
			{
				Ref:   "GC-03",
				Group: "System leadership",
				Title: "ICS partnership boards with a non-executive chair",
				Summary: "Every integrated care system would have a partnership board bringing together commissioners, trusts, primary care networks, local authorities, the voluntary sector and others. " +
					"The board would have a non-executive chair, appointed locally but subject to approval by NHS England and NHS Improvement, and arrangements for involving non-executive directors. " +
					"Systems have no legal status of their own, so each member organisation keeps its statutory duties and accountability.",
				Change:         "A common governance model would apply to all systems, led by an independent chair whom the national bodies approve.",
				PowerDirection: "mixed",
			},
			{
				Ref:   "GC-04",
				Group: "Contracts and payment",
				Title: "Longer-term contracts that require collaboration",
				Summary: "The plan says every ICS will have longer-term NHS contracts with all of its providers, with clear requirements to work together towards system objectives. " +
					"This would replace much of the annual contracting round. " +
					"It relies on systems being able to plan and forecast several years ahead.",
				Change:         "Contracts would run over several years and include obligations to collaborate with the other organisations in the system.",
				PowerDirection: "mixed",
			},
			{
				Ref:   "GC-05",
				Group: "Contracts and payment",
				Title: "The integrated care provider (ICP) contract",
				Summary: "A new contract is to be available from 2019 for a single organisation to provide a broad range of services for a population, potentially including general practice. " +
					"It is expected to be held by public statutory providers rather than private companies. " +
					"It is one of several ways in which local partners might integrate care.",
				Change:         "Commissioners could award one long-term population contract spanning primary, community, acute and mental health services.",
				PowerDirection: "mixed",
			},
			{
				Ref:   "GC-06",
				Group: "System coverage",
				Title: "Integrated care systems across England by April 2021",
				Summary: "The plan sets a goal for integrated care systems to cover the whole of England by April 2021. " +
					"In spring 2019, 14 of the 42 local footprints had been confirmed as ICSs, and the criteria for becoming one had not been published. " +
					"The remaining partnerships would need to mature quickly to meet the date.",
				Change:         "Every sustainability and transformation partnership would be expected to become an ICS by a single national deadline.",
				PowerDirection: "centralising",
			},
			{
				Ref:   "GC-07",
				Group: "System oversight",
				Title: "A system accountability and performance framework",
				Summary: "ICSs would agree system-wide objectives with their NHS England and NHS Improvement regional director and answer for their performance against them. " +
					"A new framework would draw existing accountability arrangements together with a common set of measures, including an 'integration index'. " +
					"Regulators, including the Care Quality Commission, would put more weight on quality across a whole area.",
				Change:         "Trusts would be assessed against system-wide measures in addition to their own organisational performance.",
				PowerDirection: "centralising",
			},
			{
				Ref:   "GC-08",
				Group: "System leadership",
				Title: "ICSs earning greater authority",
				Summary: "The plan says ICSs will be able to earn more authority as they develop and perform well. " +
					"That could mean more control over resources and lighter oversight for mature systems. " +
					"Neither the criteria nor the freedoms on offer have yet been defined.",
				Change:         "Systems judged to be performing well could take on decisions and resources now held nationally or regionally.",
				PowerDirection: "devolving",
			},
		},
	},
}
