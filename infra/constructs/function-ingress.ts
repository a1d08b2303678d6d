import * as ec2 from "aws-cdk-lib/aws-ec2";
import type { FlywheelFunction } from "./flywheel-function.ts";

/**
 * Opens `ports` on `target` (a cache's or a cluster's security group) to the function's security groups.
 * The ingress rules are created in the function's own stack: the target's stack is deployed first and
 * must not refer to groups of stacks that depend on it (that would be a dependency cycle).
 */
export function allowFunctionIngress(
  target: ec2.ISecurityGroup,
  fn: FlywheelFunction,
  ports: { readonly from: number; readonly to: number },
  description: string,
): void {
  if (!fn.isInVpc) {
    throw new Error(
      `${fn.node.path} is not in a VPC: build it with network: networkStack.functionPlacement (${description})`,
    );
  }
  fn.function.connections.securityGroups.forEach((source, index) => {
    new ec2.CfnSecurityGroupIngress(fn, `Ingress${target.node.addr.slice(0, 8)}${index}`, {
      groupId: target.securityGroupId,
      sourceSecurityGroupId: source.securityGroupId,
      ipProtocol: "tcp",
      fromPort: ports.from,
      toPort: ports.to,
      description,
    });
  });
}
